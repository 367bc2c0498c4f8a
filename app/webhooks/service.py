"""Webhook endpoints for admins: register, list, change, delete, and read their deliveries."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import current_app

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.timeutil import utcnow
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.outbox import subscriptions
from app.webhooks.signing import UnsafeURL, check_url


def _checked_url(url: str) -> str:
    try:
        check_url(url, allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    except UnsafeURL as exc:
        raise ValidationFailed(f"Webhook URL refused: {exc}", errors={"url": [str(exc)]}) from exc
    return url


def _changed() -> None:
    db.session.commit()
    subscriptions(current_app).forget()


def create_endpoint(
    *, url: str, events: list[str], secret: str | None = None, description: str | None = None
) -> WebhookEndpoint:
    """Register an endpoint; without a secret one is generated (shown once, in the answer)."""
    endpoint = WebhookEndpoint(
        url=_checked_url(url),
        events=sorted(set(events)),
        secret=secret or "whsec_" + secrets.token_urlsafe(32),
        description=description,
        is_active=True,
    )
    db.session.add(endpoint)
    _changed()
    return endpoint


def list_endpoints() -> list[WebhookEndpoint]:
    """Every endpoint, oldest first."""
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get_endpoint(endpoint_id: int) -> WebhookEndpoint:
    """One endpoint, or NotFound."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"Webhook {endpoint_id} not found.")
    return endpoint


def update_endpoint(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    secret: str | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint; re-activating one clears its failure count."""
    if url is not None:
        endpoint.url = _checked_url(url)
    if events is not None:
        endpoint.events = sorted(set(events))
    if secret is not None:
        endpoint.secret = secret
    if description is not None:
        endpoint.description = description
    if is_active is not None:
        if is_active and not endpoint.is_active:
            endpoint.consecutive_failures, endpoint.disabled_reason = 0, None
        endpoint.is_active = is_active
    endpoint.updated_at = utcnow()
    _changed()
    return endpoint


def delete_endpoint(*, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log."""
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    _changed()


def list_deliveries(
    *, endpoint: WebhookEndpoint, limit: int, status: str | None = None
) -> list[WebhookDelivery]:
    """An endpoint's most recent deliveries, newest first."""
    query = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    order = (WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return list(db.session.scalars(query.order_by(*order).limit(limit)))
