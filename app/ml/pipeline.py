"""The classifier as pure scikit-learn: candidate pipelines over a DataFrame with a `text` column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline

from app.ml.candidates import CHAR_MAX_SAMPLES, Candidate, base_classifier
from app.ml.inference import decision_scores, tfidf_transform
from app.ml.normalise import enrich_ticket, normalise_ticket

TEXT_COLUMN = "text"


def ticket_text(title: str, description: str) -> str:
    """The text the model reads: title and description."""
    return f"{title}\n{description}"


def text_frame(texts: list[str]) -> pd.DataFrame:
    """Wrap texts in the one-column DataFrame the pipeline (and its MLflow signature) takes."""
    return pd.DataFrame({TEXT_COLUMN: texts})


def min_df_for(n_samples: int) -> int:
    """Ignore terms seen in fewer documents as the data grows (rare terms are noise, and memory)."""
    if n_samples < 20_000:
        return 2
    return 5


def uses_lexicon(n_samples: int) -> bool:
    """Whether vectorisers trained on n_samples tickets read the lexicon: only while data is scarce."""
    # The lexicon helps where a few hundred tickets cannot teach the vocabulary (bench/README.md, quality);
    # past CHAR_MAX_SAMPLES the data does, and its ~40 us a ticket would cost ~80 s of a 1M training job.
    return n_samples <= CHAR_MAX_SAMPLES


def _vectorizers(kind: str, n_samples: int, lexicon: bool) -> list[tuple[str, TfidfVectorizer, str]]:
    # The normaliser also lowercases and folds accents (a preprocessor replaces the vectoriser's own).
    common: dict[str, Any] = {
        "sublinear_tf": True,
        "min_df": min_df_for(n_samples),
        "preprocessor": enrich_ticket if lexicon else normalise_ticket,
        "dtype": np.float32,
    }
    word = TfidfVectorizer(ngram_range=(1, 2), max_df=0.9, **common)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common)
    chosen = {"word": [("word", word)], "char": [("char", char)], "union": [("word", word), ("char", char)]}
    return [(name, vec, TEXT_COLUMN) for name, vec in chosen[kind]]


def build_features(kind: str, n_samples: int, *, lexicon: bool | None = None) -> ColumnTransformer:
    """TF-IDF word 1-2 grams, char_wb 2-5 grams (typos, Italian inflections), or both side by side."""
    # lexicon defaults to what a training set of n_samples gets; selection passes the final fit's choice.
    lexicon = uses_lexicon(n_samples) if lexicon is None else lexicon
    # A plain column name hands each vectorizer a 1-D series; sparse_threshold=1 keeps the output sparse.
    return ColumnTransformer(_vectorizers(kind, n_samples, lexicon), sparse_threshold=1.0)


def build_pipeline(candidate: Candidate, *, n_samples: int) -> Pipeline:
    """An unfitted pipeline of the candidate's features and uncalibrated classifier."""
    return Pipeline(
        [
            ("features", build_features(candidate.features, n_samples)),
            ("clf", base_classifier(candidate, n_samples=n_samples)),
        ]
    )


def _scores(model: Any, features: Any) -> np.ndarray:
    scores = decision_scores(model, features)
    return np.column_stack([-scores / 2, scores / 2]) if scores.ndim == 1 else scores


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities from decision scores divided by a temperature (argmax unchanged)."""
    scaled = scores / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, labels: np.ndarray, classes: np.ndarray) -> float:
    """The temperature that minimises the log loss of out-of-fold scores (temperature scaling)."""
    truth = np.searchsorted(classes, labels)

    def loss(log_t: float) -> float:
        proba = softmax(scores, float(np.exp(log_t)))
        return float(-np.log(np.clip(proba[np.arange(len(truth)), truth], 1e-12, None)).mean())

    return float(np.exp(minimize_scalar(loss, bounds=(-6.0, 4.0), method="bounded").x))


class CalibratedLinear(ClassifierMixin, BaseEstimator):
    """A class-balanced linear model whose scores a fitted temperature turns into probabilities.

    One temperature (fitted on out-of-fold scores, see app/ml/selection.py) calibrates without moving the
    argmax, so the balanced model's recall on small classes survives; per-class thresholds travel with
    the model so the artifact alone decides when to abstain.
    """

    def __init__(
        self, base: Any = None, temperature: float = 1.0, thresholds: dict[str, float] | None = None
    ):
        self.base = base
        self.temperature = temperature
        self.thresholds = thresholds

    def fit(self, features: Any, labels: Any) -> CalibratedLinear:
        """Refit the base model; the temperature and thresholds are kept as given."""
        self.base = clone(self.base).fit(features, labels)
        self.classes_ = self.base.classes_
        return self

    def decision_function(self, features: Any) -> np.ndarray:
        return _scores(self.base, features)

    def predict_proba(self, features: Any) -> np.ndarray:
        return softmax(self.decision_function(features), self.temperature)

    def predict(self, features: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(features), axis=1)]


def hyperparameters(pipeline: Pipeline) -> dict[str, Any]:
    """The settings worth recording for a run, as flat scalar values."""
    params: dict[str, Any] = {}
    for name, vectorizer, _ in pipeline.named_steps["features"].transformers:
        params |= {
            f"{name}_analyzer": vectorizer.analyzer,
            f"{name}_ngram_range": str(vectorizer.ngram_range),
            f"{name}_min_df": vectorizer.min_df,
        }
    clf = pipeline.named_steps["clf"]
    base = clf.base if isinstance(clf, CalibratedLinear) else clf
    strength = {"clf_C": base.C} if hasattr(base, "C") else {"clf_alpha": base.alpha}
    return params | {"clf": type(base).__name__, **strength, "clf_class_weight": base.class_weight}


def text_features(pipeline: Pipeline, texts: list[str]) -> sparse.csr_matrix | None:
    """The fitted feature blocks applied to the strings directly (as the pipeline would), or None.

    ColumnTransformer's and the vectorisers' per-call validation costs several times the TF-IDF itself, so
    when every feature block reads the text column the blocks are applied without them (app/ml/inference.py,
    same numbers). None when some block reads another column: only the pipeline knows how to feed it.
    """
    transformers = pipeline.named_steps["features"].transformers_
    blocks = [(t, column) for name, t, column in transformers if name != "remainder"]
    if any(column != TEXT_COLUMN or t == "drop" for t, column in blocks):
        return None
    matrices = [
        tfidf_transform(t, texts) if isinstance(t, TfidfVectorizer) else t.transform(texts) for t, _ in blocks
    ]
    return sparse.csr_matrix(matrices[0] if len(matrices) == 1 else sparse.hstack(matrices), dtype="float32")


def predict_proba_texts(pipeline: Pipeline, texts: list[str]) -> np.ndarray:
    """pipeline.predict_proba of texts without the DataFrame and ColumnTransformer overhead (same numbers)."""
    features = text_features(pipeline, texts)
    if features is None:
        return pipeline.predict_proba(text_frame(texts))
    return pipeline.named_steps["clf"].predict_proba(features)


def vectorize(pipeline: Pipeline, frame: pd.DataFrame) -> sparse.csr_matrix:
    """The fitted TF-IDF vectors of the frame's texts."""
    if list(frame.columns) == [TEXT_COLUMN]:
        features = text_features(pipeline, frame[TEXT_COLUMN].tolist())
        if features is not None:
            return features
    return sparse.csr_matrix(pipeline[:-1].transform(frame), dtype="float32")


def _feature_names(pipeline: Pipeline) -> np.ndarray:
    """The vocabulary in column order, built once per loaded model (it takes ~0.5 s with char n-grams)."""
    names = getattr(pipeline, "feature_names_cache_", None)
    if names is None:
        names = pipeline.named_steps["features"].get_feature_names_out().astype(str)
        pipeline.feature_names_cache_ = names  # idempotent, so racing threads are harmless
    return names


def explain(pipeline: Pipeline, frame: pd.DataFrame, category: str, *, top: int = 5) -> list[str]:
    """The terms of the first text that pushed it most toward `category` (weight x TF-IDF value)."""
    return explain_features(pipeline, vectorize(pipeline, frame), category, top=top)


def _class_weights(pipeline: Pipeline, category: str) -> np.ndarray:
    """The linear model's coefficient row for `category`."""
    clf = pipeline.named_steps["clf"]
    base = clf.base if isinstance(clf, CalibratedLinear) else clf
    classes = [str(c) for c in base.classes_]
    if len(classes) > 2:
        return base.coef_[classes.index(category)]
    return base.coef_[0] if classes.index(category) == 1 else -base.coef_[0]


def explain_features(pipeline: Pipeline, features: Any, category: str, *, top: int = 5) -> list[str]:
    """explain() from the first row of already computed features: its nonzero values x the class's weights."""
    row = sparse.csr_matrix(features[:1])
    contributions = row.data * _class_weights(pipeline, category)[row.indices]
    names = _feature_names(pipeline)[row.indices]
    words = np.char.startswith(names, "word__")
    if words.any():  # whole words read better than character fragments
        contributions, names = contributions[words], names[words]
    terms: list[str] = []
    for index in np.argsort(-contributions, kind="stable"):
        term = str(names[index]).split("__", 1)[1].strip()
        if contributions[index] > 0 and term and term not in terms:
            terms.append(term)
            if len(terms) == top:
                break
    return terms
