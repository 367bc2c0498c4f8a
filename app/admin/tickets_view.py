"""The tickets admin view: search, filters and edits that go through the ticket services."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import has_app_context
from flask_admin.contrib.sqla.filters import (
    DateTimeBetweenFilter,
    DateTimeGreaterFilter,
    DateTimeSmallerFilter,
    FilterEmpty,
    FilterEqual,
)
from flask_admin.form import SecureForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.admin.auth import admin_user
from app.admin.ticket_changes import apply_form, based_on_version, create_from_form
from app.admin.views import IdEqualFilter, SecureModelView, choices, select_choices, username_formatter
from app.auth.models import STAFF_ROLES, User
from app.extensions import db
from app.tickets import service
from app.tickets.models import CATEGORIES, PRIORITIES, STATUSES, Ticket


def staff_users() -> list[User]:
    """Agents and admins, the users a ticket can be assigned to (inactive ones are refused on save)."""
    query = sa.select(User).where(User.role.in_(STAFF_ROLES)).order_by(User.username)
    return list(db.session.scalars(query))


class AssigneeFilter(IdEqualFilter):
    """Assignee dropdown filter; its options are the staff users at the time the list renders."""

    def get_options(self, view: Any) -> list[tuple[int, str]] | None:
        # Flask-Admin also builds filters when the view is created, outside any app context.
        if not has_app_context():
            return None
        return [(user.id, user.username) for user in staff_users()]


def optional_id(value: Any) -> int | None:
    """Coerce a select value to a user id; the empty choice means unassigned."""
    return None if value in ("", None) else int(value)


def assignee_choices() -> list[SelectChoice]:
    """(unassigned) and the staff users, for the assignee select."""
    staff = [SelectChoice(value=user.id, label=user.username) for user in staff_users()]
    return [SelectChoice(value="", label="(unassigned)"), *staff]


class TicketForm(SecureForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[DataRequired()], render_kw={"rows": 6})
    status = SelectField(
        "Status",
        choices=select_choices(STATUSES),
        default="OPEN",
        description="Changes follow the ticket workflow.",
    )
    priority = SelectField("Priority", choices=select_choices(PRIORITIES), default="MEDIUM")
    category = SelectField(
        "Category",
        choices=select_choices(CATEGORIES, blank="(none)"),
        default="",
        description="Set here, the category is a human label.",
    )
    # Choices are the current staff users, filled in each time the form is built (see TicketView).
    assigned_to_id = SelectField("Assignee", coerce=optional_id, choices=[])
    # The ticket version the form shows; saving is refused if the ticket has moved on since.
    version = HiddenField()


class TicketView(SecureModelView):
    form = TicketForm
    column_list = (
        "id",
        "title",
        "status",
        "priority",
        "category",
        "category_source",
        "assigned_to",
        "created_by",
        "created_at",
        "updated_at",
    )
    column_labels = {
        "id": "#",
        "category_source": "Category by",
        "assigned_to": "Assignee",
        "created_by": "Filed by",
        "created_at": "Created",
        "updated_at": "Updated",
    }
    column_formatters = {
        "assigned_to": username_formatter("assigned_to"),
        "created_by": username_formatter("created_by"),
    }
    column_searchable_list = ("title", "description")
    column_sortable_list = ("id", "title", "status", "priority", "category", "created_at", "updated_at")
    column_default_sort = ("created_at", True)
    # The Status filter comes first: the dashboard links to it as flt0_0.
    column_filters = (
        FilterEqual(Ticket.status, "Status", options=choices(STATUSES)),
        FilterEqual(Ticket.priority, "Priority", options=choices(PRIORITIES)),
        FilterEqual(Ticket.category, "Category", options=choices(CATEGORIES)),
        FilterEmpty(Ticket.category, "Category"),
        AssigneeFilter(Ticket.assigned_to_id, "Assignee"),
        FilterEmpty(Ticket.assigned_to_id, "Assignee"),
        DateTimeBetweenFilter(Ticket.created_at, "Created"),
        DateTimeGreaterFilter(Ticket.created_at, "Created"),
        DateTimeSmallerFilter(Ticket.created_at, "Created"),
    )

    def _get_filter_groups(self) -> Any:
        # Flask-Admin caches filter options at start-up; rebuild them so new agents show up.
        self._refresh_filters_cache()
        return super()._get_filter_groups()

    def create_form(self, obj: Ticket | None = None) -> TicketForm:
        form = super().create_form(obj)
        form.assigned_to_id.choices = assignee_choices()
        return form

    def edit_form(self, obj: Ticket | None = None) -> TicketForm:
        form = super().edit_form(obj)
        form.assigned_to_id.choices = assignee_choices()
        return form

    def create_model(self, form: TicketForm) -> Ticket | bool:  # type: ignore[override]  # Flask-Admin accepts the model
        return self.run_service(lambda: create_from_form(actor=admin_user(), data=form.data))

    def update_model(self, form: TicketForm, model: Ticket) -> bool:
        # raw_data, not data: a post without the field must not fall back to the ticket's current version.
        based_on = based_on_version(next(iter(form.version.raw_data or []), None))
        return bool(
            self.run_service(
                lambda: apply_form(actor=admin_user(), ticket_id=model.id, based_on=based_on, data=form.data)
            )
        )

    def delete_model(self, model: Ticket) -> bool:
        return self.run_service(lambda: self._delete(model.id) or True)

    @staticmethod
    def _delete(ticket_id: int) -> None:
        actor = admin_user()
        service.delete_ticket(
            user=actor, ticket=service.get_ticket(user=actor, ticket_id=ticket_id, for_update=True)
        )

    def on_form_prefill(self, form: TicketForm, id: Any) -> None:
        # The select shows "(none)" for an unlabelled ticket rather than the text "None".
        if form.category.data is None:
            form.category.data = ""
