"""The SLA targets page of the admin site: edits go through app.sla.service like the API's PUT."""

from __future__ import annotations

from flask_admin.form import SecureForm
from wtforms import FloatField, SelectField
from wtforms.validators import DataRequired, NumberRange

from app.admin.auth import admin_user
from app.admin.views import SecureModelView, select_choices
from app.extensions import db
from app.sla import service
from app.sla.models import MAX_HOURS, SlaTarget
from app.tickets.models import PRIORITIES

HOURS = [DataRequired(), NumberRange(min=0.01, max=MAX_HOURS)]


class SlaTargetForm(SecureForm):
    priority = SelectField("Priority", choices=select_choices(PRIORITIES))
    first_response_hours = FloatField("First response (hours)", validators=HOURS)
    resolution_hours = FloatField("Resolution (hours)", validators=HOURS)


class SlaTargetView(SecureModelView):
    """Targets per priority; a change applies to tickets created afterwards."""

    can_delete = False
    form = SlaTargetForm
    column_list = ("priority", "first_response_hours", "resolution_hours", "updated_at")
    column_descriptions = {
        "first_response_hours": "Calendar hours; priorities without a row use the documented defaults.",
    }

    def _save(self, form: SlaTargetForm, priority: str) -> SlaTarget | bool:
        saved = self.run_service(
            lambda: service.set_target(
                user=admin_user(),
                priority=priority,
                first_response_hours=form.first_response_hours.data,
                resolution_hours=form.resolution_hours.data,
            )
        )
        return (db.session.get(SlaTarget, priority) or False) if saved else False

    def create_model(self, form: SlaTargetForm) -> bool:
        return bool(self._save(form, form.priority.data))

    def update_model(self, form: SlaTargetForm, model: SlaTarget) -> bool:
        return bool(self._save(form, model.priority))
