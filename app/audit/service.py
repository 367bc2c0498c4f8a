"""Record deletions and read them back (admins)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.audit.models import Deletion
from app.auth.models import User
from app.errors import NotFound
from app.extensions import db


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def row_snapshot(obj: Any) -> dict[str, Any]:
    """A mapped object's column values as plain JSON values (datetimes as ISO 8601)."""
    return {attr.key: _plain(getattr(obj, attr.key)) for attr in sa.inspect(type(obj)).column_attrs}


def record_deletion(*, kind: str, object_id: int, actor: User, snapshot: dict[str, Any]) -> Deletion:
    """Add the audit row to the deleting transaction (the caller commits)."""
    row = Deletion(kind=kind, object_id=object_id, deleted_by_id=actor.id, snapshot=snapshot)
    db.session.add(row)
    return row


def list_deletions(
    *, kind: str | None, object_id: int | None, page: int, page_size: int
) -> tuple[list[Deletion], int]:
    """One page of deletions, newest first, and the total that match."""
    query = sa.select(Deletion)
    if kind:
        query = query.where(Deletion.kind == kind)
    if object_id:
        query = query.where(Deletion.object_id == object_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    offset = (page - 1) * page_size
    if offset >= total:
        return [], total
    ordered = query.order_by(Deletion.deleted_at.desc(), Deletion.id.desc())
    return list(db.session.scalars(ordered.limit(page_size).offset(offset))), total


def get_deletion(*, deletion_id: int) -> Deletion:
    """One deletion record with its snapshot."""
    row = db.session.get(Deletion, deletion_id)
    if row is None:
        raise NotFound(f"Deletion record {deletion_id} not found.")
    return row
