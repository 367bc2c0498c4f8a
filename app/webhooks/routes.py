"""Webhook endpoints (admins): thin MethodViews over app.webhooks.service."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.current import auth_required
from app.webhooks import service
from app.webhooks.schemas import (
    DeliveryQuerySchema,
    DeliverySchema,
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookPatchSchema,
    WebhookSchema,
)

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/webhooks",
    description=(
        "Signed HTTP callbacks for ticket and model events (admins). Each delivery is a POST of "
        "{event, id, occurred_at, data} with X-Webhook-Timestamp and X-Webhook-Signature: sha256=HMAC-SHA256"
        '(secret, "<timestamp>.<raw body>"); retried with backoff up to 8 times over about a day.'
    ),
)


@blp.route("/")
class Webhooks(MethodView):
    decorators = [auth_required("admin")]

    @blp.response(200, WebhookSchema(many=True))
    def get(self):
        """List webhook endpoints"""
        return service.list_endpoints()

    @blp.arguments(WebhookCreateSchema)
    @blp.response(201, WebhookCreatedSchema)
    def post(self, data):
        """Register a webhook endpoint (the answer shows its secret once)"""
        endpoint = service.create_endpoint(**data)
        return endpoint, {"Location": url_for("webhooks.WebhookById", endpoint_id=endpoint.id)}


@blp.route("/<int:endpoint_id>/")
class WebhookById(MethodView):
    decorators = [auth_required("admin")]

    @blp.response(200, WebhookSchema)
    def get(self, endpoint_id):
        """Get a webhook endpoint"""
        return service.get_endpoint(endpoint_id)

    @blp.arguments(WebhookPatchSchema)
    @blp.response(200, WebhookSchema)
    def patch(self, data, endpoint_id):
        """Change a webhook endpoint (is_active=true re-enables a disabled one)"""
        return service.update_endpoint(endpoint=service.get_endpoint(endpoint_id), **data)

    @blp.response(204)
    def delete(self, endpoint_id):
        """Delete a webhook endpoint and its delivery log"""
        service.delete_endpoint(endpoint=service.get_endpoint(endpoint_id))


@blp.route("/<int:endpoint_id>/deliveries/")
class WebhookDeliveries(MethodView):
    decorators = [auth_required("admin")]

    @blp.arguments(DeliveryQuerySchema, location="query")
    @blp.response(200, DeliverySchema(many=True))
    def get(self, args, endpoint_id):
        """List an endpoint's deliveries, newest first"""
        endpoint = service.get_endpoint(endpoint_id)
        return service.list_deliveries(endpoint=endpoint, **args)
