"""Classifier quality on the hand-written realistic corpus: our training code vs a plain baseline.

    .venv/bin/python bench/bench_quality.py                      # the quality table (a few minutes)
    .venv/bin/python bench/bench_quality.py --train-db ml_seed100k  # also time `flask train` on a seeded DB

The corpus (tests/data/realistic_tickets_*.jsonl) is split once by a hash of each row, never at random:
the test rows are never seen by selection, calibration or thresholds. Our pipeline is trained with the
project's own functions (app/ml/selection.py: model selection, calibrated fit, out-of-fold thresholds);
the baseline is word 1-2 TF-IDF + class-balanced logistic regression with defaults, answering above the
old fixed 0.5 confidence.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.ml.candidates import Candidate  # noqa: E402
from app.ml.evaluate import scores  # noqa: E402
from app.ml.gate import bootstrap_delta  # noqa: E402
from app.ml.pipeline import (  # noqa: E402
    build_pipeline,
    explain,
    predict_proba_texts,
    text_frame,
    ticket_text,
)
from app.ml.selection import fit_calibrated, select_candidate  # noqa: E402

TEST_PERCENT = 25
SIZES = (200, 400, None)
TARGET = 0.90
OLD_THRESHOLD = 0.5


def row_hash(row: dict) -> int:
    """A stable number per row: the split never changes between runs or machines."""
    return int.from_bytes(
        hashlib.sha256(f"{row['title']}\n{row['description']}".encode()).digest()[:8], "big"
    )


def load_corpus() -> tuple[list[dict], list[dict]]:
    rows = [
        json.loads(line)
        for path in sorted(glob.glob(str(ROOT / "tests/data/realistic_tickets_*.jsonl")))
        for line in Path(path).read_text().splitlines()
        if line.strip()
    ]
    rows.sort(key=row_hash)  # a fixed order, so "the first 200" is also fixed
    test = [r for r in rows if row_hash(r) % 100 < TEST_PERCENT]
    train = [r for r in rows if row_hash(r) % 100 >= TEST_PERCENT]
    return train, test


def frame(rows: list[dict]):
    return text_frame([ticket_text(r["title"], r["description"]) for r in rows])


def labels(rows: list[dict]) -> np.ndarray:
    return np.array([r["category"] for r in rows])


def baseline(train: list[dict]) -> Pipeline:
    """Word 1-2 TF-IDF + class-balanced logistic regression, defaults otherwise."""
    model = Pipeline(
        [("tfidf", TfidfVectorizer(ngram_range=(1, 2))), ("clf", LogisticRegression(class_weight="balanced"))]
    )
    texts = [ticket_text(r["title"], r["description"]) for r in train]
    return model.fit(texts, labels(train))


def evaluate_ours(train: list[dict], test: list[dict]) -> tuple[dict, str, float, object, np.ndarray]:
    started = time.perf_counter()
    ranking = select_candidate(frame(train), labels(train))
    fitted = fit_calibrated(ranking[0].candidate, frame(train), labels(train), target_precision=TARGET)
    seconds = time.perf_counter() - started
    proba = fitted.pipeline.predict_proba(frame(test))
    thresholds = {c: t.threshold for c, t in fitted.thresholds.items()}
    metrics, _ = scores(proba, labels(test), fitted.classes, thresholds)
    predicted = np.asarray(fitted.classes)[proba.argmax(axis=1)]
    return metrics, fitted.candidate.name, seconds, fitted.pipeline, predicted


def evaluate_baseline(train: list[dict], test: list[dict]) -> tuple[dict[str, float], np.ndarray]:
    model = baseline(train)
    proba = model.predict_proba([ticket_text(r["title"], r["description"]) for r in test])
    classes = [str(c) for c in model.classes_]
    metrics, _ = scores(proba, labels(test), classes, dict.fromkeys(classes, OLD_THRESHOLD))
    return metrics, np.asarray(classes)[proba.argmax(axis=1)]


def latency_ms(predict, texts: list[str]) -> float:
    """Median wall time of classifying one ticket at a time, in ms."""
    samples = []
    for text in texts:
        started = time.perf_counter()
        predict(text)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def quality_table(train: list[dict], test: list[dict]) -> object:
    print(f"corpus: {len(train)} train / {len(test)} test rows (split by row hash, {TEST_PERCENT}% test)")
    header = "| train rows | model | macro F1 | accuracy | log loss | coverage | precision | fit s |"
    print(header)
    print("|" + "---|" * 8)
    pipeline = None
    for size in SIZES:
        part = train[:size] if size else train
        ours, name, seconds, pipeline, ours_predicted = evaluate_ours(part, test)
        base, base_predicted = evaluate_baseline(part, test)
        for label, m, fit in (
            (f"ours ({name}, thresholds)", ours, f"{seconds:.1f}"),
            ("baseline (threshold 0.5)", base, ""),
        ):
            print(
                f"| {len(part)} | {label} | {m['macro_f1']:.3f} | {m['accuracy']:.3f} | {m['log_loss']:.3f} "
                f"| {m['coverage_at_target']:.1%} | {m['precision_at_target']:.3f} | {fit} |"
            )
        delta, low, high = bootstrap_delta(labels(test), base_predicted, ours_predicted)
        ci = f"{delta:+.3f} [{low:+.3f}, {high:+.3f}]"
        print(f"|  | difference (paired bootstrap 95% CI) | {ci} |  |  |  |  |  |")
    return pipeline


def corpus_cv_table(train: list[dict], test: list[dict], folds: int = 5) -> None:
    """The comparison with every corpus row tested once (folds by row hash): less noise than one split."""
    rows = sorted(train + test, key=row_hash)
    truth, ours, base = [], [], []
    answered = correct = 0
    for fold in range(folds):
        part = [r for r in rows if row_hash(r) % folds != fold]
        held = [r for r in rows if row_hash(r) % folds == fold]
        metrics, _, _, _, predicted = evaluate_ours(part, held)
        answered += round(metrics["coverage_at_target"] * len(held))
        correct += round(metrics["precision_at_target"] * metrics["coverage_at_target"] * len(held))
        truth.append(labels(held))
        ours.append(predicted)
        base.append(evaluate_baseline(part, held)[1])
    delta, low, high = bootstrap_delta(np.concatenate(truth), np.concatenate(base), np.concatenate(ours))
    head = f"{folds}-fold CV, all {len(rows)} rows"
    print(f"\n| {head} | macro F1 ours - baseline (95% CI) | coverage | precision |")
    print("|---|---|---|---|")
    precision = f"{correct / answered:.3f}" if answered else "-"
    print(f"| pooled | {delta:+.3f} [{low:+.3f}, {high:+.3f}] | {answered / len(rows):.1%} | {precision} |")


def latency_table(train: list[dict], test: list[dict], ours: object) -> None:
    """Per-ticket predict latency: the previous word-only pipeline vs the chosen one (and explanations)."""
    old = build_pipeline(Candidate("word", "lr", 4.0), n_samples=len(train)).fit(frame(train), labels(train))
    texts = [ticket_text(r["title"], r["description"]) for r in test][:200]

    def explained(text: str) -> None:
        one = text_frame([text])
        category = ours.predict(one)[0]  # type: ignore[attr-defined]
        explain(ours, one, category)  # type: ignore[arg-type]

    print("\n| predict one ticket | median ms |\n|---|---|")
    before_ms = latency_ms(lambda t: old.predict_proba(text_frame([t])), texts)
    print(f"| word TF-IDF + LR (for scale) | {before_ms:.2f} |")
    ours_ms = latency_ms(lambda t: ours.predict_proba(text_frame([t])), texts)  # type: ignore[attr-defined]
    print(f"| chosen pipeline, calibrated (pipeline.predict_proba) | {ours_ms:.2f} |")
    fast_ms = latency_ms(lambda t: predict_proba_texts(ours, [t]), texts)  # type: ignore[arg-type]
    print(f"| chosen pipeline, as the API calls it (predict_proba_texts) | {fast_ms:.2f} |")
    print(f"| chosen pipeline, with the explanation | {latency_ms(explained, texts):.2f} |")


def time_seeded_training(database: str) -> None:
    """Wall time of `flask train --force` on an already seeded database (fresh MLflow store)."""
    from bench.harness import database_url
    from devtools.processes import command_env, run

    with tempfile.TemporaryDirectory() as tmp:
        env = command_env(
            DATABASE_URL=database_url(database),
            MLFLOW_TRACKING_URI=f"sqlite:///{tmp}/mlflow.db",
            MLFLOW_ARTIFACT_ROOT=f"{tmp}/artifacts",
            ML_RETRIAGE_ON_PROMOTION="false",
        )
        started = time.perf_counter()
        done = run(["flask", "train", "--force"], env, timeout=3600)
        seconds = time.perf_counter() - started
    print(done.stdout[-2000:], done.stderr[-2000:] if done.returncode else "")
    print(f"\n| flask train on {database} | {seconds:.1f} s | exit {done.returncode} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-db", help="also time `flask train` on this seeded scratch database")
    parser.add_argument("--cv", action="store_true", help="also compare by 5-fold CV over the whole corpus")
    args = parser.parse_args()
    train, test = load_corpus()
    with threadpool_limits(limits=1):  # as app/ml/train.py trains
        pipeline = quality_table(train, test)
        latency_table(train, test, pipeline)
        if args.cv:
            corpus_cv_table(train, test)
    if args.train_db:
        time_seeded_training(args.train_db)


if __name__ == "__main__":
    main()
