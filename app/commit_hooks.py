"""Work that joins a transaction at its commit: named steps, run in a fixed order, forgotten on rollback.

A feature that must write something in the same transaction as a change (analytics' rollup deltas, the
webhook outbox's ticket data) keeps its pending state in `session.info` and registers one step here;
the step runs just before the outermost commit, after the steps with a lower order. When the whole
transaction rolls back, every step's pending state is dropped (a savepoint rolling back drops nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db

# The order the steps run in: rollups read the final ticket state; the outbox dumps it last.
ROLLUPS, WEBHOOK_OUTBOX = 10, 20


@dataclass(frozen=True)
class Step:
    order: int
    keys: tuple[str, ...]
    run: Callable[[Session], None]


_steps: dict[str, Step] = {}


def before_commit(*, order: int, keys: tuple[str, ...], run: Callable[[Session], None]) -> None:
    """Run `run(session)` before each commit, in `order`; a rollback drops `session.info[k]` for k in keys."""
    _steps[keys[0]] = Step(order, keys, run)
    if not sa.event.contains(db.session, "before_commit", _run_steps):
        sa.event.listen(db.session, "before_commit", _run_steps)
        sa.event.listen(db.session, "after_soft_rollback", _discard)


def _run_steps(session: Session) -> None:
    for step in sorted(_steps.values(), key=lambda s: s.order):
        step.run(session)


def _discard(session: Session, previous_transaction: SessionTransaction, *_: Any) -> None:
    if previous_transaction.nested or previous_transaction.parent is not None:
        return  # a savepoint or inner block: the transaction and its pending work go on
    for step in _steps.values():
        for key in step.keys:
            session.info.pop(key, None)
