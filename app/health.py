"""Liveness and readiness probes; other packages add readiness checks at app build time.

The readiness answer is unauthenticated, so it says only ok or degraded per component: never a URI,
a version or an exception text (those are for authenticated endpoints and the logs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.extensions import db

blp = Blueprint("health", __name__, url_prefix="/health", description="Probes for orchestrators")

# A check returns (component name, details, ready?).
ReadinessCheck = Callable[[], tuple[str, dict[str, Any], bool]]


def add_readiness_check(app: Flask, check: ReadinessCheck) -> None:
    """Register a check that /health/ready runs on each call."""
    app.extensions.setdefault("readiness_checks", []).append(check)


def _database_check() -> tuple[str, dict[str, Any], bool]:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return "database", {"status": "ok"}, True
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return "database", {"status": "unreachable"}, False


def _summary(details: dict[str, Any], ready: bool) -> str:
    healthy = ready and details.get("status") in ("ok", "loaded") and not details.get("stale")
    return "ok" if healthy else "degraded"


class LiveSchema(Schema):
    status = fields.String(metadata={"enum": ["ok"]})


class ReadySchema(Schema):
    status = fields.String(metadata={"enum": ["ok", "degraded", "unavailable"]})
    components = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(),
        metadata={"description": "Per component (database, model, ...): its status and details."},
    )


@blp.route("/live")
class Live(MethodView):
    @blp.doc(security=[])
    @blp.response(200, LiveSchema)
    def get(self):
        """Report that the process is up"""
        return {"status": "ok"}


@blp.route("/ready")
class Ready(MethodView):
    @blp.doc(security=[])
    @blp.response(200, ReadySchema)
    @blp.alt_response(503, schema=ReadySchema, description="Not ready: a component cannot serve requests")
    def get(self):
        """Report ok or degraded per component; 503 only when the database cannot serve requests"""
        checks = [_database_check(), *(c() for c in current_app.extensions.get("readiness_checks", []))]
        ready = all(ok for _, _, ok in checks)
        components = {name: {"status": _summary(details, ok)} for name, details, ok in checks}
        healthy = all(c["status"] == "ok" for c in components.values())
        status = "ok" if healthy else "degraded" if ready else "unavailable"
        body = {"status": status, "components": components}
        return body, 200 if ready else 503
