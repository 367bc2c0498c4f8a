"""The promotion gate: a fixed per-ticket holdout, and champion vs challenger on tickets neither saw."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

HOLDOUT_PERCENT = 20
BOOTSTRAP_ROUNDS = 1000
BOOTSTRAP_CHUNK = 100


def in_holdout(ticket_id: int) -> bool:
    """Whether a ticket belongs to the gate's holdout: fixed by its id, whatever else the data holds."""
    digest = hashlib.sha256(f"ticket:{ticket_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < HOLDOUT_PERCENT


@dataclass(frozen=True)
class Scored:
    """One model's answers on the comparison tickets."""

    predicted: np.ndarray
    answered: np.ndarray


@dataclass
class Decision:
    """Whether the new version becomes champion, why, and the comparison behind it."""

    promote: bool
    reason: str
    details: dict[str, float] = field(default_factory=dict)


def _macro_f1(weights: np.ndarray, truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Macro F1 per row of resampling weights (rows x tickets), over classes 0..n_classes-1."""
    f1 = np.zeros(weights.shape[0])
    for c in range(n_classes):
        tp = weights @ ((truth == c) & (predicted == c))
        support = weights @ (truth == c) + weights @ (predicted == c)
        f1 += np.divide(2 * tp, support, out=np.zeros_like(f1), where=support > 0)
    return f1 / n_classes


def bootstrap_delta(
    labels: np.ndarray, champion: np.ndarray, challenger: np.ndarray, *, seed: int = 0
) -> tuple[float, float, float]:
    """Challenger minus champion macro F1, with a paired bootstrap 95% interval."""
    classes = sorted(set(labels) | set(champion) | set(challenger))
    code = {c: i for i, c in enumerate(classes)}
    truth, old, new = (np.array([code[v] for v in a]) for a in (labels, champion, challenger))
    n, rng, deltas = len(truth), np.random.default_rng(seed), []
    ones = np.ones((1, n))
    point = float(_macro_f1(ones, truth, new, len(classes))[0] - _macro_f1(ones, truth, old, len(classes))[0])
    for _ in range(BOOTSTRAP_ROUNDS // BOOTSTRAP_CHUNK):
        weights = rng.multinomial(n, np.full(n, 1 / n), size=BOOTSTRAP_CHUNK).astype(np.float32)
        deltas.append(
            _macro_f1(weights, truth, new, len(classes)) - _macro_f1(weights, truth, old, len(classes))
        )
    low, high = np.percentile(np.concatenate(deltas), [2.5, 97.5])
    return point, float(low), float(high)


def _recall(labels: np.ndarray, predicted: np.ndarray, category: str) -> float:
    mask = labels == category
    return float((predicted[mask] == category).mean()) if mask.any() else 0.0


def compare(
    labels: np.ndarray,
    champion: Scored,
    challenger: Scored,
    *,
    tolerance: float,
    recall_margin: float,
    coverage_margin: float,
) -> Decision:
    """Promote unless macro F1 is worse beyond the interval, a class's recall or the coverage drops."""
    delta, low, high = bootstrap_delta(labels, champion.predicted, challenger.predicted)
    details = {"n_compared": float(len(labels)), "macro_f1_delta": delta, "ci_low": low, "ci_high": high}
    details |= {"champion_coverage": float(champion.answered.mean())}
    details |= {"challenger_coverage": float(challenger.answered.mean())}
    reasons = []
    if high + tolerance < 0:
        reasons.append(f"macro F1 worse by {-delta:.4f} (95% CI of the difference [{low:.4f}, {high:.4f}])")
    for category in sorted(set(labels)):
        drop = _recall(labels, champion.predicted, category) - _recall(labels, challenger.predicted, category)
        details[f"recall_delta_{category}"] = -drop
        if drop > recall_margin:
            reasons.append(f"recall of {category} drops by {drop:.3f} (margin {recall_margin})")
    coverage_drop = details["champion_coverage"] - details["challenger_coverage"]
    if coverage_drop > coverage_margin:
        reasons.append(
            f"coverage at the target precision drops by {coverage_drop:.3f} (margin {coverage_margin})"
        )
    if reasons:
        return Decision(False, "; ".join(reasons), details)
    summary = f"macro F1 delta {delta:+.4f} (95% CI [{low:.4f}, {high:.4f}]) on {len(labels)} unseen tickets"
    return Decision(True, f"not worse than the champion: {summary}", details)
