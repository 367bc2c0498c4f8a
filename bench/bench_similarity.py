"""The similarity search core at N tickets, in-process: build, open (mmap), exact top-k latency, memory.

Usage: .venv/bin/python bench/bench_similarity.py --n 1000000 [--cache DIR]
Generates N ticket texts with the seeder's text generator (no database), fits the production TF-IDF on
100,000 of them, writes an index build with app/ml/index_files.py and queries it as a web worker does.
With --cache, the vectorised tickets and the pipeline are kept in DIR and reused by the next run (so two
versions of the code can be compared on the same data).
"""

from __future__ import annotations

import argparse
import pickle
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import sparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.demo.seed import sample_ticket_text  # noqa: E402
from app.ml import index_files  # noqa: E402
from app.ml.pipeline import Candidate, build_pipeline, text_frame, vectorize  # noqa: E402
from app.ml.shared_index import SharedIndex  # noqa: E402

CATEGORIES = ("billing", "bug", "account", "feature", "other")
OWNERS = 2000


def rss_mib() -> tuple[float, float]:
    """(RssAnon, RssFile) of this process in MiB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("RssAnon", "RssFile"):
            values[key] = int(rest.split()[0]) / 1024
    return values["RssAnon"], values["RssFile"]


def vectorised_tickets(n: int, cache: Path | None) -> tuple[Any, sparse.csr_matrix, str]:
    """(pipeline, the N tickets' vectors, how long vectorising took), from the cache when it has them."""
    if cache is not None and (cache / "matrix.npz").exists():
        pipeline = pickle.loads((cache / "pipeline.pkl").read_bytes())  # noqa: S301 - written by this script
        return pipeline, sparse.load_npz(cache / "matrix.npz"), "cached"
    rng = random.Random(7)
    started = time.perf_counter()
    labels = [rng.choice(CATEGORIES) for _ in range(n)]
    texts = ["\n".join(sample_ticket_text(c, rng)) for c in labels]
    print(f"generated {n:,} texts in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    fit_n = min(n, 100_000)
    # Every candidate at this size shares the word TF-IDF, the only part the index uses; the SVM fits fastest.
    pipeline = build_pipeline(Candidate("word", "svm", 0.5), n_samples=fit_n)
    pipeline.fit(text_frame(texts[:fit_n]), labels[:fit_n])
    started = time.perf_counter()
    blocks = [vectorize(pipeline, text_frame(texts[i : i + 10_000])) for i in range(0, n, 10_000)]
    matrix = sparse.vstack(blocks, format="csr")
    took = f"{time.perf_counter() - started:.0f} s"
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        sparse.save_npz(cache / "matrix.npz", matrix, compressed=False)
        (cache / "pipeline.pkl").write_bytes(pickle.dumps(pipeline))
    return pipeline, matrix, took


def timed_searches(index: SharedIndex, rng: random.Random, queries: int) -> dict[str, list[float]]:
    """Latency in ms of staff (all tickets) and requester (own tickets) searches, top 15 as the API asks."""
    samples: dict[str, list[float]] = {"staff": [], "requester": []}
    for _ in range(queries):
        text = "\n".join(sample_ticket_text(rng.choice(CATEGORIES), rng))
        for who, owner in (("staff", None), ("requester", rng.randint(1, OWNERS))):
            started = time.perf_counter()
            index.search(text, owner_id=owner, exclude_id=None, limit=15)
            samples[who].append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--cache", type=Path, help="keep (or reuse) the vectorised tickets here")
    args = parser.parse_args()
    pipeline, matrix, vectorised = vectorised_tickets(args.n, args.cache)
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="jobs-bench-similarity-") as root:
        report(args, pipeline, matrix, vectorised, rng, Path(root))


def report(
    args: argparse.Namespace, pipeline: Any, matrix: Any, vectorised: str, rng: Any, root: Path
) -> None:
    """Write the build into root, open it, time the searches and print the table."""
    ids = np.arange(1, args.n + 1)
    owners = np.array([rng.randint(1, OWNERS) for _ in range(args.n)])
    started = time.perf_counter()
    path = index_files.write_build(
        index_files.BuildSlot(root, "bench", "1"),
        matrix,
        ids=ids,
        owners=owners,
        stamps=np.zeros(args.n),
        watermark=None,
    )
    written = time.perf_counter() - started
    del matrix
    size = sum(f.stat().st_size for f in path.glob("*.npy")) / 2**20
    before = rss_mib()
    started = time.perf_counter()
    model = SimpleNamespace(pipeline=pipeline, version="1")
    index = SharedIndex(model, index_files.open_build(path))  # type: ignore[arg-type]
    opened = (time.perf_counter() - started) * 1000
    samples = timed_searches(index, rng, args.queries)
    after = rss_mib()
    print(f"\n| similarity core at {args.n:,} tickets | result |\n|---|---|")
    print(f"| vectorise all tickets (one process) | {vectorised} |")
    print(f"| write the build | {written:.0f} s |")
    print(f"| index files | {size:.0f} MiB, nnz {len(index.build.data):,} |")
    print(f"| open the build (np.load mmap) | {opened:.1f} ms |")
    for who, values in samples.items():
        ordered = sorted(values)
        p50, p95 = statistics.median(values), ordered[int(0.95 * (len(ordered) - 1))]
        print(f"| exact top-15 search, {who} p50 / p95 ({len(values)}) | {p50:.1f} / {p95:.1f} ms |")
    print(
        f"| process memory before open -> after {args.queries * 2} queries | private {before[0]:.0f} -> "
        f"{after[0]:.0f} MiB, file-backed (shared page cache) {before[1]:.0f} -> {after[1]:.0f} MiB |"
    )


if __name__ == "__main__":
    main()
