"""The admin web UI at /admin/ (Flask-Admin): session login, users, tokens, tickets, events, dashboard."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from app.admin.auth import LoginView, LogoutView
from app.admin.dashboard import DashboardView
from app.admin.tickets_view import TicketView
from app.admin.views import EventView, TokenView, UserView
from app.audit.admin import DeletionView
from app.audit.models import Deletion
from app.auth.models import ApiToken, User
from app.extensions import db
from app.sla.admin import SlaTargetView
from app.sla.models import SlaTarget
from app.tickets.models import Ticket, TicketEvent
from app.webhooks.admin import DeliveryView, WebhookView
from app.webhooks.models import WebhookDelivery, WebhookEndpoint


def register_admin(app: Flask) -> Admin:
    """Mount the admin site on app at /admin/; its pages use the session, never the API's tokens."""
    # Makes app/admin/templates/admin_ui/* visible to the Jinja loader; it has no routes.
    app.register_blueprint(Blueprint("admin_ui", __name__, template_folder="templates"))
    admin = Admin(
        app,
        name="Ticket desk",
        url="/admin",
        index_view=DashboardView(name="Dashboard", url="/admin"),
        theme=Bootstrap4Theme(base_template="admin_ui/base.html", fluid=True),
    )
    admin.add_view(TicketView(Ticket, db, name="Tickets", endpoint="ticket"))
    admin.add_view(EventView(TicketEvent, db, name="Ticket events", endpoint="ticket_event"))
    admin.add_view(SlaTargetView(SlaTarget, db, name="SLA targets", endpoint="sla_target"))
    admin.add_view(UserView(User, db, name="Users", endpoint="user"))
    admin.add_view(TokenView(ApiToken, db, name="API tokens", endpoint="api_token"))
    admin.add_view(WebhookView(WebhookEndpoint, db, name="Webhooks", endpoint="webhook"))
    admin.add_view(DeliveryView(WebhookDelivery, db, name="Webhook deliveries", endpoint="webhook_delivery"))
    admin.add_view(DeletionView(Deletion, db, name="Deletions", endpoint="deletion"))
    admin.add_view(LoginView(name="Sign in", url="login", endpoint="admin_login"))
    admin.add_view(LogoutView(name="Log out", url="logout", endpoint="admin_logout"))
    return admin
