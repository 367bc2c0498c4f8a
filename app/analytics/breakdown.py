"""The shape the duration and SLA reports share: the overall figures, then per category and per priority."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.tickets.models import CATEGORIES, PRIORITIES

# Every category plus None (uncategorised), in the order reports list them.
CATEGORY_KEYS: tuple[str | None, ...] = (*CATEGORIES, None)

Entry = Callable[[str, str | None], dict[str, Any]]


def breakdown(entry: Entry) -> dict[str, Any]:
    """entry(dimension, key) overall, for each category (None included) and for each priority."""
    return {
        **entry("all", None),
        "by_category": [{"category": c, **entry("category", c)} for c in CATEGORY_KEYS],
        "by_priority": [{"priority": p, **entry("priority", p)} for p in PRIORITIES],
    }
