"""The reports from rollups: counts and means exact, percentiles within 1% (app/analytics/sketch.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from app.analytics.breakdown import CATEGORY_KEYS, breakdown, mttr_entry, trends_answer, windowed
from app.analytics.filters import AnalyticsFilters
from app.analytics.histograms import percentiles_by_dimension
from app.analytics.reading import Totals, count_totals, created_per_period
from app.analytics.sketch import PERCENTILES
from app.analytics.window import Window
from app.auth.models import User
from app.tickets.models import PRIORITIES


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _merge(cells: dict[tuple, Totals], keep: Callable[[tuple], bool]) -> Totals:
    merged = Totals()
    for key, value in cells.items():
        if keep(key):
            merged.add(value)
    return merged


def _dimensions(cells: dict[tuple, Totals]) -> Iterable[tuple[str, str | None, Totals]]:
    """('all', None, merged), ('category', c, merged) for each c, ('priority', p, merged) for each p."""
    yield "all", None, _merge(cells, lambda k: True)
    for category in CATEGORY_KEYS:
        yield "category", category, _merge(cells, _matches(0, category or "none"))
    for priority in PRIORITIES:
        yield "priority", priority, _merge(cells, _matches(1, priority))


def _matches(position: int, value: str) -> Callable[[tuple], bool]:
    return lambda key: key[position] == value


def _duration_figures(
    measure: str, window: Window, filters: AnalyticsFilters, user: User
) -> dict[tuple, dict]:
    """{(dim, key): {count, timed, mean, median, p90}} for a timed measure."""
    totals = count_totals(measure, window, filters, user=user)
    quantiles = percentiles_by_dimension(measure, window, filters, user=user)
    figures: dict[tuple, dict] = {}
    for dim, key, total in _dimensions(totals):
        mean = total.sum_us / total.timed / 1e6 if total.timed else None
        found = quantiles.get((dim, key if dim != "category" else key or "none"), {})
        figures[(dim, key)] = {
            "count": total.tickets,
            "timed": total.timed,
            "mean": _round(mean),
            **{name: _round(found.get(name)) for name in PERCENTILES},
        }
    return figures


def mttr(*, window: Window, filters: AnalyticsFilters, user: User) -> dict[str, Any]:
    """Time to first resolution of the tickets whose resolved_at is in the window."""
    figures = _duration_figures("resolved", window, filters, user)

    def entry(dim: str, key: str | None) -> dict[str, Any]:
        f = figures[(dim, key)]
        return mttr_entry(resolved=f["timed"], mean=f["mean"], median=f["median"], p90=f["p90"])

    return windowed(window, breakdown(entry))


def first_response(*, window: Window, filters: AnalyticsFilters, user: User) -> dict[str, Any]:
    """Time from creation to the first staff action, for tickets created in the window."""
    f = _duration_figures("created", window, filters, user)[("all", None)]
    return {
        "from": window.start,
        "to": window.end,
        "created_count": f["count"],
        "responded_count": f["timed"],
        "without_response": f["count"] - f["timed"],
        "mean_seconds": f["mean"],
        "median_seconds": f["median"],
        "p90_seconds": f["p90"],
    }


def trends(*, window: Window, filters: AnalyticsFilters, interval: str, user: User) -> dict[str, Any]:
    """Tickets created in the window: total, per category, and a zero-filled per-period series."""
    grouped: Counter[tuple] = Counter()
    for (start, category), n in created_per_period(window, filters, user=user, interval=interval).items():
        grouped[(start, None if category == "none" else category)] += n
    return trends_answer(window, interval, grouped)


def _reopen_rate(total: Totals) -> dict[str, Any]:
    resolved, reopened = total.tickets, total.flagged
    return {
        "resolved": resolved,
        "reopened": reopened,
        "reopen_rate": None if resolved == 0 else round(reopened / resolved, 4),
    }


def reopens(*, window: Window, filters: AnalyticsFilters, user: User) -> dict[str, Any]:
    """Tickets first resolved in the window, and how many were reopened after that."""
    merged = {
        (d, k): t for d, k, t in _dimensions(count_totals("first_resolved", window, filters, user=user))
    }
    return {
        "from": window.start,
        "to": window.end,
        **_reopen_rate(merged[("all", None)]),
        "by_category": [{"category": c, **_reopen_rate(merged[("category", c)])} for c in CATEGORY_KEYS],
    }


def compliance(total: Totals) -> dict[str, Any]:
    """{due, met, breached, compliance_rate} from a target's totals (every ticket counted is due by now)."""
    due, met = total.tickets, total.flagged
    return {
        "due": due,
        "met": met,
        "breached": due - met,
        "compliance_rate": None if due == 0 else round(met / due, 4),
    }


def sla(cells_by_target: dict[str, dict[tuple, Totals]]) -> dict[str, Any]:
    """The SLA report from per-(category, priority) totals of response_due and resolution_due."""
    merged = {
        target: {(d, k): t for d, k, t in _dimensions(cells)} for target, cells in cells_by_target.items()
    }

    def entry(dim: str, key: str | None) -> dict[str, Any]:
        return {
            "first_response": compliance(merged["response_due"][(dim, key)]),
            "resolution": compliance(merged["resolution_due"][(dim, key)]),
        }

    return breakdown(entry)


def cells_from_rows(rows: Iterable[Any]) -> dict[tuple, Totals]:
    """{(category, priority): Totals} from exact_totals_query rows."""
    found: dict[tuple, Totals] = defaultdict(Totals)
    for row in rows:
        found[(row[0], row[1])].add(row[-4:])
    return found
