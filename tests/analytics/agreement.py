"""Comparing a rollup answer with the exact one: counts and rates equal, means to the millisecond, percentiles
within 1% (plus the millisecond the API rounds to)."""

from __future__ import annotations

from typing import Any

from app.analytics.sketch import RELATIVE_ACCURACY

PERCENTILE_KEYS = ("median_seconds", "p90_seconds", "median_age_seconds", "p90_age_seconds")
MEAN_KEYS = ("mttr_seconds", "mean_seconds")
METADATA = ("source", "percentiles", "as_of")


def _close(a: float, b: float, relative: float, absolute: float) -> bool:
    return abs(a - b) <= relative * abs(b) + absolute


def assert_agrees(approx: Any, exact: Any, path: str = "") -> None:
    """Recursively compare two report bodies."""
    if isinstance(exact, dict):
        assert set(approx) == set(exact), path
        for key, value in exact.items():
            if key in METADATA:
                continue
            if key in PERCENTILE_KEYS and value is not None:
                assert approx[key] is not None and _close(approx[key], value, RELATIVE_ACCURACY, 0.0011), (
                    f"{path}.{key}: {approx[key]} vs {value}"
                )
            elif key in MEAN_KEYS and value is not None:
                assert approx[key] is not None and _close(approx[key], value, 0, 0.0011), f"{path}.{key}"
            else:
                assert_agrees(approx[key], value, f"{path}.{key}")
    elif isinstance(exact, list):
        assert len(approx) == len(exact), path
        for i, (a, e) in enumerate(zip(approx, exact, strict=True)):
            assert_agrees(a, e, f"{path}[{i}]")
    else:
        assert approx == exact, f"{path}: {approx!r} vs {exact!r}"
