"""Admin-only endpoints to read the deletion audit."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.audit import service
from app.audit.schemas import DeletionQuerySchema, DeletionSchema
from app.auth.current import auth_required

blp = Blueprint("audit", __name__, url_prefix="/api/audit", description="Who deleted what and when (admin)")


@blp.route("/deletions/")
class Deletions(MethodView):
    decorators = [auth_required("admin")]

    @blp.arguments(DeletionQuerySchema, location="query")
    @blp.response(200, DeletionSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, args, pagination_parameters):
        """List deletions with snapshots, newest first (admin)"""
        items, total = service.list_deletions(
            kind=args.get("kind"),
            object_id=args.get("object_id"),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return items


@blp.route("/deletions/<int:deletion_id>/")
class DeletionById(MethodView):
    decorators = [auth_required("admin")]

    @blp.response(200, DeletionSchema)
    def get(self, deletion_id):
        """Get one deletion record with its snapshot (admin)"""
        return service.get_deletion(deletion_id=deletion_id)
