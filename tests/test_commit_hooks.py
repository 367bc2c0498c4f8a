"""Commit steps run in order before the outermost commit; a full rollback forgets their pending work."""

from __future__ import annotations

import pytest

from app import commit_hooks
from app.extensions import db


@pytest.fixture
def recorded(monkeypatch):
    """Two steps registered out of order that record the pending values they see at commit."""
    seen: list[tuple[str, object]] = []
    monkeypatch.setattr(commit_hooks, "_steps", dict(commit_hooks._steps))
    for order, key in ((2, "late"), (1, "early")):
        commit_hooks.before_commit(
            order=order, keys=(key,), run=lambda s, key=key: seen.append((key, s.info.pop(key, None)))
        )
    return seen


def test_steps_run_in_order_before_the_commit(recorded):
    db.session.info["late"], db.session.info["early"] = "b", "a"
    db.session.commit()
    assert [entry for entry in recorded if entry[1]] == [("early", "a"), ("late", "b")]


def test_a_savepoint_rollback_keeps_pending_work_and_a_full_rollback_drops_it(recorded):
    db.session.info["early"] = "kept"
    with pytest.raises(RuntimeError), db.session.begin_nested():
        raise RuntimeError("the savepoint fails")
    assert db.session.info["early"] == "kept"
    db.session.rollback()
    assert "early" not in db.session.info
    db.session.commit()
    assert ("early", "kept") not in recorded
