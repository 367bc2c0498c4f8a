"""Admin site pages for webhook endpoints and their delivery log, writing through the webhook service."""

from __future__ import annotations

from typing import Any

from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.form import SecureForm
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.admin.views import SecureModelView, choices, select_choices
from app.webhooks import service
from app.webhooks.models import DELIVERY_STATUSES, EVENTS, WebhookDelivery, WebhookEndpoint


class WebhookForm(SecureForm):
    url = StringField("URL", validators=[DataRequired(), Length(max=2000)])
    events = SelectMultipleField("Events", choices=select_choices(EVENTS), validators=[DataRequired()])
    description = StringField("Description", validators=[Optional(), Length(max=200)])
    secret = PasswordField(
        "Signing secret",
        validators=[Optional(), Length(min=16, max=200)],
        description="Leave empty to generate one (new endpoint) or keep the current one.",
    )
    is_active = BooleanField("Active", default=True, description="Re-enabling clears the failure count.")


class WebhookView(SecureModelView):
    column_list = ("url", "events", "is_active", "consecutive_failures", "disabled_reason", "created_at")
    column_labels = {
        "is_active": "Active",
        "consecutive_failures": "Failures in a row",
        "created_at": "Created",
    }
    column_formatters = {"events": lambda view, context, model, name: ", ".join(model.events)}
    column_searchable_list = ("url", "description")
    column_sortable_list = ("url", "is_active", "consecutive_failures", "created_at")
    column_default_sort = "id"

    def get_create_form(self) -> type[SecureForm]:
        return WebhookForm

    def get_edit_form(self) -> type[SecureForm]:
        return WebhookForm

    def create_model(self, form: WebhookForm) -> Any:
        created = self.run_service(
            lambda: service.create_endpoint(
                url=form.url.data,
                events=form.events.data,
                secret=form.secret.data or None,
                description=form.description.data or None,
            )
        )
        if created and not form.is_active.data:
            service.update_endpoint(endpoint=created, is_active=False)
        return created

    def update_model(self, form: WebhookForm, model: WebhookEndpoint) -> bool:
        return bool(
            self.run_service(
                lambda: service.update_endpoint(
                    endpoint=model,
                    url=form.url.data,
                    events=form.events.data,
                    secret=form.secret.data or None,
                    description=form.description.data or "",
                    is_active=form.is_active.data,
                )
            )
        )

    def delete_model(self, model: WebhookEndpoint) -> bool:
        def delete() -> bool:
            service.delete_endpoint(endpoint=model)
            return True

        return bool(self.run_service(delete))


class DeliveryView(SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False
    column_list = (
        "created_at",
        "endpoint",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    )
    column_labels = {"created_at": "Created", "last_status_code": "Last HTTP status", "id": "Delivery id"}
    column_formatters = {"endpoint": lambda view, context, model, name: model.endpoint.url}
    column_sortable_list = ("created_at", "event", "status", "attempts", "next_attempt_at")
    column_default_sort = [("created_at", True), ("id", True)]
    column_filters = (
        FilterEqual(WebhookDelivery.status, "Status", options=choices(DELIVERY_STATUSES)),
        FilterEqual(WebhookDelivery.event, "Event", options=choices(EVENTS)),
        FilterEqual(WebhookDelivery.endpoint_id, "Endpoint id"),
    )
