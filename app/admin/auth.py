"""Session login for the admin site: forms, the session user, access control and the login/logout views."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_admin import BaseView, expose
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.auth.models import Role, User
from app.auth.service import end_sessions
from app.auth.throttle import checked_password
from app.errors import Forbidden
from app.extensions import db
from app.throttling import TooManyRequests

SESSION_USER = "admin_user_id"
SESSION_STAMP = "admin_auth_stamp"
LOGIN_FAILED = "Invalid username or password."


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class LogoutForm(FlaskForm):
    """Only a CSRF token: logging out is a POST so other sites cannot log an admin out."""


def session_user() -> User | None:
    """The active user logged in to the admin site with this browser session, or None."""
    user_id = session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)  # repeated calls in a request hit the identity map
    # The generation is checked on every request, so logout or a new password ends copied cookies too.
    if user is None or not user.is_active or session.get(SESSION_STAMP) != user.session_generation:
        return None
    g.admin_user_id = user.id
    return user


def admin_user() -> User:
    """The logged-in admin, the actor of admin changes (views run only after is_accessible passed)."""
    user = session_user()
    if user is None or user.role != Role.ADMIN:
        raise Forbidden("An admin session is required.")
    return user


def _clear_session() -> None:
    session.clear()
    # Flask-WTF caches the session's raw CSRF token in g; drop it too so the next form gets a fresh one.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def _start_session(user: User) -> None:
    _clear_session()
    session[SESSION_USER] = user.id
    session[SESSION_STAMP] = user.session_generation


def _safe_next(target: str | None) -> str:
    """Only return to admin pages on this site, never to another host."""
    default = url_for("admin.index")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin/") or target.startswith("//"):
        return default
    return target


class AdminPage:
    """Gives every admin template the logged-in user and a logout form."""

    def render(self, template: str, **kwargs: Any) -> str:
        kwargs.setdefault("session_user", session_user())
        kwargs.setdefault("logout_form", LogoutForm())
        return super().render(template, **kwargs)  # type: ignore[misc]


class AdminAccess(AdminPage):
    """Only active admins get in: anonymous users go to the login page, others get 403."""

    def is_accessible(self) -> bool:
        user = session_user()
        return user is not None and user.role == Role.ADMIN

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        if session_user() is None:
            return redirect(url_for("admin_login.index", next=request.full_path))
        return self.render("admin_ui/forbidden.html"), 403


class LoginView(AdminPage, BaseView):
    """The login form (open to everyone, not in the menu)."""

    def is_visible(self) -> bool:
        return False

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        form = LoginForm()
        error = None
        current = session_user()
        if request.method == "GET" and current is not None and current.role == Role.ADMIN:
            return redirect(_safe_next(request.args.get("next")))
        if form.validate_on_submit():
            try:
                user = checked_password(username=form.username.data, password=form.password.data, via="admin")
            except TooManyRequests as exc:
                page = self.render("admin_ui/login.html", form=form, error=exc.message)
                return page, 429, {"Retry-After": str(exc.retry_after)}
            if user is not None:
                _start_session(user)
                return redirect(_safe_next(request.args.get("next")))
            error = LOGIN_FAILED
        elif request.method == "POST" and "csrf_token" in form.errors:
            error = "The form expired or was not sent from this site; please try again."
        return self.render("admin_ui/login.html", form=form, error=error)


class LogoutView(BaseView):
    """Ends the admin session (POST with a CSRF token)."""

    def is_visible(self) -> bool:
        return False

    @expose("/", methods=("POST",))
    def index(self) -> Response:
        if not LogoutForm().validate_on_submit():
            flash("Logout failed: the form expired; please try again.", "error")
            return redirect(url_for("admin.index"))
        user = session_user()
        if user is not None:
            end_sessions(user=user)  # a copy of this cookie stops working too
        _clear_session()
        flash("You have been logged out.", "info")
        return redirect(url_for("admin_login.index"))
