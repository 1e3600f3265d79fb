"""Medians, spreads and ratios of repeated measurements."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any


def summary(values: Sequence[float]) -> dict[str, Any]:
    """Median, min, max, run count and spread ((max - min) / median, in percent)."""
    if not values:
        return {"median": None, "min": None, "max": None, "runs": 0, "spread_pct": None}
    median = statistics.median(values)
    spread = (max(values) - min(values)) / median * 100 if median else 0.0
    return {
        "median": median,
        "min": min(values),
        "max": max(values),
        "runs": len(values),
        "spread_pct": round(spread, 1),
    }


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """ours / theirs, or None when either is missing or theirs is zero."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def fmt_ratio(value: float | None) -> str:
    """`1.23x`, or `n/a`."""
    return "n/a" if value is None else f"{value:.2f}x"


def fmt_num(value: float | None, digits: int = 2) -> str:
    """A number with `digits` decimals, or `n/a`."""
    return "n/a" if value is None else f"{value:.{digits}f}"
