"""The shapes reports share, whether computed from rollups or from ticket rows: one home for each answer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from app.analytics.window import Window, periods
from app.tickets.models import CATEGORIES, OPEN_STATUSES, PRIORITIES

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


def windowed(window: Window, body: dict[str, Any]) -> dict[str, Any]:
    """A report's answer: its window, then its figures."""
    return {"from": window.start, "to": window.end, **body}


def mttr_entry(
    *, resolved: int, mean: float | None, median: float | None, p90: float | None
) -> dict[str, Any]:
    """One mttr figure set (overall, a category's or a priority's)."""
    return {"resolved_count": resolved, "mttr_seconds": mean, "median_seconds": median, "p90_seconds": p90}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def backlog_answer(
    *,
    by: Mapping[str, Mapping[Any, int]],
    assignees: list[dict[str, Any]],
    median_age: float | None,
    p90_age: float | None,
) -> dict[str, Any]:
    """The backlog's figures from counts by status, category (None: uncategorised) and priority."""
    return {
        "open_count": sum(by["status"].values()),
        "by_status": [{"status": s, "count": by["status"].get(s, 0)} for s in OPEN_STATUSES],
        "by_category": [{"category": c, "count": by["category"].get(c, 0)} for c in CATEGORY_KEYS],
        "by_priority": [{"priority": p, "count": by["priority"].get(p, 0)} for p in PRIORITIES],
        "by_assignee": assignees,
        "median_age_seconds": _rounded(median_age),
        "p90_age_seconds": _rounded(p90_age),
    }


def trends_answer(
    window: Window, interval: str, grouped: Mapping[tuple[Any, str | None], int]
) -> dict[str, Any]:
    """Trends from counts per (period start, category or None): total, per category, a zero-filled series."""
    by_category: Counter[str | None] = Counter()
    for (_, category), n in grouped.items():
        by_category[category] += n
    return windowed(
        window,
        {
            "interval": interval,
            "total": sum(by_category.values()),
            "by_category": [{"category": c, "count": by_category[c]} for c in CATEGORY_KEYS],
            "series": [
                {"period": start, "counts": {c or "none": grouped.get((start, c), 0) for c in CATEGORY_KEYS}}
                for start in periods(window, interval)
            ],
        },
    )
