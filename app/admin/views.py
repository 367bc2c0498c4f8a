"""Flask-Admin model views for users, API tokens and ticket events, writing only through services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask import flash, request
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, FilterEmpty, FilterEqual, IntEqualFilter
from flask_admin.form import SecureForm
from flask_admin.model import typefmt
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.admin.auth import AdminAccess
from app.auth import management
from app.auth.models import ROLES, ApiToken, User
from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.errors import DomainError, InvalidTransition
from app.extensions import db
from app.fields import is_id
from app.tickets.models import CATEGORY_SOURCES, EVENT_KINDS, TicketEvent
from app.timeutil import as_utc

FORM_ENDPOINTS = ("create_view", "edit_view")
CSRF_FAILED = "The form expired or was not sent from this site; nothing was saved. Please try again."


def _format_value(view: Any, value: StrEnum, name: str) -> str:
    return value.value


def _format_datetime(view: Any, value: datetime, name: str) -> str:
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def username_formatter(attribute: str, empty: str = "") -> Callable[..., str]:
    def formatter(view: Any, context: Any, model: Any, name: str) -> str:
        user = getattr(model, attribute)
        return user.username if user is not None else empty

    return formatter


def choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    """(value, label) pairs for Flask-Admin filter options."""
    return [(value, value) for value in values]


def select_choices(values: tuple[str, ...], blank: str | None = None) -> list[SelectChoice]:
    """Choices for a WTForms select field, with an optional empty first choice."""
    options = [SelectChoice(value=value, label=value) for value in values]
    return [SelectChoice(value="", label=blank), *options] if blank is not None else options


def describe_error(exc: DomainError) -> str:
    """The domain error as one flash line (with the allowed statuses for workflow errors)."""
    if isinstance(exc, InvalidTransition) and exc.errors and exc.errors.get("status"):
        return f"{exc.message} {exc.errors['status'][0]}"
    return exc.message


class IdEqualFilter(IntEqualFilter):
    """An id filter that ignores values the INTEGER key cannot hold, as it ignores non-numbers."""

    def clean(self, value: str) -> int:
        if not is_id(value):
            raise ValueError(f"{value} is not an id")
        return int(value)


class SecureModelView(AdminAccess, ModelView):
    """Admin-only, CSRF-protected model view; subclasses route writes through services."""

    form_base_class = SecureForm
    can_export = False
    can_view_details = False
    page_size = 20
    can_set_page_size = True
    # StrEnum first: Flask-Admin would show an Enum's name (PRIORITY) rather than its value (priority).
    column_type_formatters = {StrEnum: _format_value, **typefmt.BASE_FORMATTERS, datetime: _format_datetime}

    def validate_form(self, form: SecureForm) -> bool:
        valid = super().validate_form(form)
        # Flask-Admin flashes CSRF failures of delete/action posts itself, but not of the edit forms.
        if not valid and "csrf_token" in form.errors and (request.endpoint or "").endswith(FORM_ENDPOINTS):
            flash(CSRF_FAILED, "error")
        return valid

    def get_one(self, id: str) -> Any:
        # An id the INTEGER key cannot hold is simply not there (Flask-Admin then says so).
        if not is_id(str(id)):
            return None
        return super().get_one(id)

    # Flask-Admin's defaults would set attributes and commit directly, bypassing the services'
    # rules and TicketEvent rows; views that write override these with service calls.
    def create_model(self, form: SecureForm) -> bool:
        raise NotImplementedError(f"{type(self).__name__} writes only through services")

    def update_model(self, form: SecureForm, model: Any) -> bool:
        raise NotImplementedError(f"{type(self).__name__} writes only through services")

    def delete_model(self, model: Any) -> bool:
        raise NotImplementedError(f"{type(self).__name__} writes only through services")

    def run_service(self, call: Callable[[], Any]) -> Any:
        """Run a service call and commit; a domain error is flashed, rolled back and returns False."""
        try:
            result = call()
            db.session.commit()
            return result
        except DomainError as exc:
            db.session.rollback()
            flash(describe_error(exc), "error")
            return False


class UserCreateForm(SecureForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    email = StringField("E-mail", validators=[Optional(), Length(max=254)])
    role = SelectField("Role", choices=select_choices(ROLES), default="requester")
    password = PasswordField(
        "Password",
        validators=[DataRequired()],
        description=f"At least {MIN_PASSWORD_LENGTH} characters; stored only as a hash.",
    )


class UserEditForm(SecureForm):
    email = StringField("E-mail", validators=[Optional(), Length(max=254)])
    role = SelectField("Role", choices=select_choices(ROLES))
    is_active = BooleanField(
        "Active", description="Inactive users cannot log in and their API tokens stop working."
    )
    password = PasswordField(
        "New password", validators=[Optional()], description="Leave empty to keep the current password."
    )


class UserView(SecureModelView):
    can_delete = False  # deactivate instead: users own tickets and history
    edit_template = "admin_ui/user_edit.html"
    column_list = ("username", "email", "role", "is_active", "created_at")
    column_labels = {"is_active": "Active", "created_at": "Created"}
    column_searchable_list = ("username", "email")
    column_sortable_list = ("username", "email", "role", "is_active", "created_at")
    column_default_sort = "username"
    column_filters = (
        FilterEqual(User.role, "Role", options=choices(ROLES)),
        BooleanEqualFilter(User.is_active, "Active"),
    )

    def get_create_form(self) -> type[SecureForm]:
        return UserCreateForm

    def get_edit_form(self) -> type[SecureForm]:
        return UserEditForm

    def create_model(self, form: UserCreateForm) -> User | bool:  # type: ignore[override]  # Flask-Admin accepts the model
        return self.run_service(
            lambda: management.create_account(
                username=form.username.data,
                password=form.password.data,
                role=form.role.data,
                email=form.email.data,
            )
        )

    def update_model(self, form: UserEditForm, model: User) -> bool:
        return bool(
            self.run_service(
                lambda: management.update_account(
                    user=model,
                    email=form.email.data,
                    role=form.role.data,
                    is_active=form.is_active.data,
                    password=form.password.data or None,
                )
            )
        )


class TokenView(SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False
    column_list = ("name", "user", "created_at", "last_used_at", "expires_at", "revoked_at")
    column_labels = {
        "user": "Owner",
        "created_at": "Created",
        "last_used_at": "Last used",
        "expires_at": "Expires",
        "revoked_at": "Revoked",
    }
    column_formatters = {"user": username_formatter("user")}
    column_searchable_list = ("name", "user.username")
    column_sortable_list = (
        "name",
        ("user", "user.username"),
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    column_default_sort = ("created_at", True)
    column_filters = (FilterEmpty(ApiToken.revoked_at, "Revoked at"),)

    @action("revoke", "Revoke", "Revoke the selected tokens? Their holders lose API access immediately.")
    def action_revoke(self, ids: list[str]) -> None:
        """Revoke the selected tokens."""
        count = management.revoke_tokens(token_ids=[int(i) for i in ids])
        flash(f"Revoked {count} token(s).", "success")


class EventView(SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False
    column_list = ("created_at", "ticket_id", "kind", "from_value", "to_value", "source", "actor")
    column_labels = {"created_at": "When", "ticket_id": "Ticket", "from_value": "From", "to_value": "To"}
    column_formatters = {"actor": username_formatter("actor", empty="(model)")}
    column_sortable_list = ("created_at", "ticket_id", "kind")
    column_default_sort = [("created_at", True), ("id", True)]
    column_filters = (
        IdEqualFilter(TicketEvent.ticket_id, "Ticket"),
        FilterEqual(TicketEvent.kind, "Kind", options=choices(EVENT_KINDS)),
        FilterEqual(TicketEvent.source, "Source", options=choices(CATEGORY_SOURCES)),
    )
