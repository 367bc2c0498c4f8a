"""SLA targets: agents and admins read them, admins change them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.current import auth_required, current_user
from app.sla import service
from app.sla.schemas import SlaTargetSchema
from app.tickets.models import PRIORITIES

blp = Blueprint(
    "sla",
    __name__,
    url_prefix="/api/sla",
    description="SLA targets per priority, in calendar hours (no business hours or holidays)",
)


@blp.route("/targets/")
class Targets(MethodView):
    decorators = [auth_required("agent", "admin")]

    @blp.response(200, SlaTargetSchema(many=True))
    def get(self):
        """The first-response and resolution targets of every priority"""
        return service.list_targets()


@blp.route("/targets/<string:priority>/")
class Target(MethodView):
    decorators = [auth_required("admin")]

    @blp.arguments(SlaTargetSchema)
    @blp.response(200, SlaTargetSchema)
    @blp.doc(
        description=f"priority is one of {', '.join(PRIORITIES)}. The new targets apply to tickets created "
        "afterwards; every existing ticket keeps the due times it was given at creation."
    )
    def put(self, args, priority):
        """Change one priority's targets (admins)"""
        return service.set_target(user=current_user(), priority=priority, **args)
