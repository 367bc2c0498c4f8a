"""The models the selection may choose from, by training-set size, and their unfitted classifiers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
from sklearn.svm import LinearSVC

# Character n-grams cost ~7x the word vectoriser per ticket; past this size word n-grams carry the signal
# and the char vectoriser alone would blow the training-time budget (bench/README.md).
CHAR_MAX_SAMPLES = 20_000
SGD_EPOCHS = 10

Classifier: TypeAlias = LogisticRegression | LinearSVC | RidgeClassifier | SGDClassifier


@dataclass(frozen=True)
class Candidate:
    """One pipeline the model selection may choose: features, classifier and its regularisation."""

    features: str  # word or union (word and char_wb n-grams side by side)
    classifier: str  # lr, svm, ridge or sgd
    C: float  # inverse regularisation strength (ridge: 1 / alpha; sgd: 1 / (alpha * n_samples))

    @property
    def name(self) -> str:
        return f"{self.features}-{self.classifier}-C{self.C:g}"


# Up to CHAR_MAX_SAMPLES tickets. Logistic regression costs ~8x a linear SVM per fit (lbfgs on wide char
# features), so it competes on word features only; strongly regularised ridge over word and char n-grams
# did best in cross-validation on the hand-written tickets (bench/README.md).
CANDIDATES = (
    Candidate("word", "lr", 4.0),
    Candidate("word", "svm", 0.5),
    Candidate("word", "ridge", 1.0),
    Candidate("union", "svm", 0.1),
    Candidate("union", "svm", 0.5),
    Candidate("union", "ridge", 1.0),
    Candidate("union", "ridge", 0.3),
)
# Above it: at 72,000 tickets a linear SVM took 10-12 s per fit and the same hinge loss by SGD (ten epochs)
# 1.1 s for the SVM's held-out macro F1 (0.889). Ridge (1.5-2.5 s there) took 65 s at 900,000: at a fixed
# alpha its conjugate-gradient solver needs more iterations as data grows, SGD's epochs stay linear.
LARGE_CANDIDATES = (
    Candidate("word", "sgd", 1.0),
    Candidate("word", "sgd", 0.3),
)


def candidates_for(n_samples: int) -> list[Candidate]:
    """The candidates affordable at this training-set size."""
    return list(CANDIDATES if n_samples <= CHAR_MAX_SAMPLES else LARGE_CANDIDATES)


def base_classifier(candidate: Candidate, *, n_samples: int) -> Classifier:
    """The uncalibrated linear model of a candidate, class-balanced, for a training set of n_samples."""
    if candidate.classifier == "svm":
        # tol 1e-3 (default 1e-4): a third less time at 100,000 tickets for the same accuracy (bench).
        return LinearSVC(C=candidate.C, class_weight="balanced", tol=1e-3)
    if candidate.classifier == "ridge":
        return RidgeClassifier(alpha=1 / candidate.C, class_weight="balanced")
    if candidate.classifier == "sgd":
        # SGD's alpha weighs the penalty against the mean loss: scaled by n it regularises like an SVM's C.
        alpha = 1 / (candidate.C * max(n_samples, 1))
        return SGDClassifier(
            alpha=alpha, class_weight="balanced", max_iter=SGD_EPOCHS, tol=None, random_state=0
        )
    return LogisticRegression(C=candidate.C, class_weight="balanced", max_iter=1000)
