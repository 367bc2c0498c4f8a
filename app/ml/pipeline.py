"""The classifier as a pure scikit-learn Pipeline over a DataFrame with a `text` column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

TEXT_COLUMN = "text"


def ticket_text(title: str, description: str) -> str:
    """The text the model reads: title and description."""
    return f"{title}\n{description}"


def text_frame(texts: list[str]) -> pd.DataFrame:
    """Wrap texts in the one-column DataFrame the pipeline (and its MLflow signature) takes."""
    return pd.DataFrame({TEXT_COLUMN: texts})


def min_df_for(n_samples: int) -> int:
    """Ignore terms seen in fewer documents as the data grows (rare terms are noise, and memory)."""
    if n_samples < 1_000:
        return 1
    if n_samples < 20_000:
        return 2
    return 5


def build_pipeline(*, n_samples: int, C: float = 4.0, max_iter: int = 1000) -> Pipeline:  # noqa: N803
    """TF-IDF word 1-2 grams (sublinear tf) + class-balanced logistic regression."""
    tfidf = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=min_df_for(n_samples),
        max_df=0.9,
        strip_accents="unicode",
        dtype=np.float32,
    )
    # A plain column name (not a list) hands the vectorizer a 1-D series of strings;
    # sparse_threshold=1 keeps the output sparse however dense it is.
    features = ColumnTransformer([("tfidf", tfidf, TEXT_COLUMN)], sparse_threshold=1.0)
    classifier = LogisticRegression(C=C, class_weight="balanced", max_iter=max_iter)
    return Pipeline([("features", features), ("clf", classifier)])


def hyperparameters(pipeline: Pipeline) -> dict[str, Any]:
    """The settings worth recording for a run, as flat scalar values."""
    tfidf = pipeline.named_steps["features"].transformers[0][1]
    clf = pipeline.named_steps["clf"]
    return {
        "tfidf_ngram_range": str(tfidf.ngram_range),
        "tfidf_min_df": tfidf.min_df,
        "tfidf_max_df": tfidf.max_df,
        "tfidf_sublinear_tf": tfidf.sublinear_tf,
        "tfidf_strip_accents": tfidf.strip_accents,
        "clf": type(clf).__name__,
        "clf_C": clf.C,
        "clf_class_weight": clf.class_weight,
        "clf_max_iter": clf.max_iter,
        "clf_solver": clf.solver,
    }


def predict_proba_texts(pipeline: Pipeline, texts: list[str]) -> np.ndarray:
    """pipeline.predict_proba of texts without the DataFrame and ColumnTransformer overhead (same numbers).

    ColumnTransformer's per-call validation costs several times the TF-IDF and the classifier together, so
    when every feature block reads the text column the fitted blocks are applied to the strings directly.
    """
    features, classifier = pipeline.named_steps["features"], pipeline.named_steps["clf"]
    blocks = [(t, column) for name, t, column in features.transformers_ if name != "remainder"]
    if any(column != TEXT_COLUMN or t == "drop" for t, column in blocks):
        return pipeline.predict_proba(text_frame(texts))
    matrices = [t.transform(texts) for t, _ in blocks]
    return classifier.predict_proba(matrices[0] if len(matrices) == 1 else sparse.hstack(matrices).tocsr())


def vectorize(pipeline: Pipeline, frame: pd.DataFrame) -> sparse.csr_matrix:
    """The fitted TF-IDF vectors (L2-normalised rows) of the frame's texts."""
    return sparse.csr_matrix(pipeline[:-1].transform(frame), dtype="float32")
