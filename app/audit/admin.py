"""The admin site's read-only page over the deletion audit: who deleted what, when, and what it was."""

from __future__ import annotations

import json
from typing import Any

from flask_admin.contrib.sqla.filters import FilterEqual
from markupsafe import Markup, escape

from app.admin.views import IdEqualFilter, SecureModelView, username_formatter
from app.audit.models import Deletion


def _snapshot(view: Any, context: Any, model: Deletion, name: str) -> Markup:
    text = json.dumps(model.snapshot, indent=2, sort_keys=True, default=str)
    return Markup("<pre style='white-space: pre-wrap'>{}</pre>").format(escape(text))


def _title(view: Any, context: Any, model: Deletion, name: str) -> str:
    return str(model.snapshot.get("title", "")) if isinstance(model.snapshot, dict) else ""


class DeletionView(SecureModelView):
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_list = ("deleted_at", "kind", "object_id", "title", "deleted_by")
    column_details_list = ("deleted_at", "kind", "object_id", "deleted_by", "snapshot")
    column_labels = {"deleted_at": "Deleted", "object_id": "Id", "deleted_by": "By"}
    column_formatters = {"deleted_by": username_formatter("deleted_by"), "title": _title}
    column_formatters_detail = {"deleted_by": username_formatter("deleted_by"), "snapshot": _snapshot}
    column_sortable_list = ("deleted_at", "kind", "object_id")
    column_default_sort = [("deleted_at", True), ("id", True)]
    column_filters = (
        FilterEqual(Deletion.kind, "Kind", options=(("ticket", "ticket"),)),
        IdEqualFilter(Deletion.object_id, "Id"),
    )
