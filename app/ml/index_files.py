"""Similarity index files: one directory per build of a model version, memory-mapped by every worker.

A build holds the TF-IDF vectors of all tickets as a CSC matrix (data, indices, indptr), rows in ticket id
order, with the ids, owners and updated_at stamps alongside. It is written once to a temporary directory and
renamed into place, then `CURRENT` is switched atomically, so a reader never sees half a build. Workers open
the arrays with np.load(mmap_mode="r"): the operating system keeps one copy in its page cache for all of them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from app.timeutil import as_utc

ARRAYS = ("data", "indices", "indptr", "ids", "owners", "stamps")
PRUNING = ("colmax", "row_data", "row_indices", "row_indptr", "owner_order", "owner_keys")
CURRENT = "CURRENT"
KEEP_BUILDS = 2  # the newest builds of a version kept on disk (older ones may still be mapped: fine on POSIX)


@dataclass(frozen=True)
class Pruning:
    """What exact pruned search reads besides the columns (similarity_search); builds before it lack them."""

    colmax: np.ndarray  # the largest value of each column
    row_data: np.ndarray  # the same matrix row-major (CSR), to complete candidates' scores
    row_indices: np.ndarray
    row_indptr: np.ndarray
    owner_order: np.ndarray  # row positions sorted by owner (stable)
    owner_keys: np.ndarray  # owners in that order


@dataclass(frozen=True)
class IndexBuild:
    """One build of a version's index, memory-mapped."""

    path: Path
    version: str
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    ids: np.ndarray  # sorted ascending
    owners: np.ndarray
    stamps: np.ndarray  # updated_at as Unix seconds
    watermark: datetime | None  # newest updated_at the build saw
    n_features: int
    pruning: Pruning | None = None
    run_id: str | None = None  # the MLflow run of the model version it was built for (older builds: None)

    @property
    def rows(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class BuildSlot:
    """Where a model version's builds live in the local cache, and the MLflow run they must be built for."""

    root: str | Path
    model_name: str
    version: str
    run_id: str | None = None  # None: any build of the version will do

    @property
    def folder(self) -> Path:
        return Path(self.root) / self.model_name / f"v{self.version}"


def current_path(slot: BuildSlot) -> Path | None:
    """The build CURRENT points at, or None when this machine has none (or only one for another run).

    Version numbers restart when a registry is recreated, so a cached build of "version 1" may belong to an
    earlier model with another vocabulary: when the slot names a run, only a build that names it counts.
    """
    pointer = slot.folder / CURRENT
    try:
        path = pointer.parent / pointer.read_text().strip()
        built_for = json.loads((path / "meta.json").read_text()).get("run_id")
    except FileNotFoundError:
        return None
    return None if slot.run_id and built_for != slot.run_id else path


def open_build(path: Path) -> IndexBuild:
    """Memory-map a build's arrays (read-only, shared through the page cache)."""
    meta = json.loads((path / "meta.json").read_text())
    arrays = {name: np.load(path / f"{name}.npy", mmap_mode="r") for name in ARRAYS}
    watermark = datetime.fromisoformat(meta["watermark"]) if meta["watermark"] else None
    pruning = None
    if all((path / f"{name}.npy").exists() for name in PRUNING):
        pruning = Pruning(**{name: np.load(path / f"{name}.npy", mmap_mode="r") for name in PRUNING})
    return IndexBuild(
        path=path,
        version=meta["version"],
        watermark=watermark,
        n_features=meta["n_features"],
        pruning=pruning,
        run_id=meta.get("run_id"),
        **arrays,
    )


def as_csr(build: IndexBuild) -> sparse.csr_matrix:
    """The build as a scipy CSR matrix (copies the arrays: for the jobs that rewrite it, not for serving)."""
    shape = (build.rows, build.n_features)
    if build.pruning is not None:  # the row-major copy is there already
        p = build.pruning
        return sparse.csr_matrix(
            (np.array(p.row_data), np.array(p.row_indices), np.array(p.row_indptr)), shape
        )
    arrays = (np.array(build.data), np.array(build.indices), np.array(build.indptr))
    return sparse.csc_matrix(arrays, shape=shape).tocsr()


def _save(
    folder: Path, matrix: sparse.csr_matrix, columns: dict[str, np.ndarray], meta: dict[str, Any]
) -> None:
    csr = sparse.csr_matrix(matrix, dtype=np.float32)
    csr.sort_indices()
    csc = csr.tocsc()
    csc.sort_indices()
    owner_order = np.argsort(columns["owners"], kind="stable")
    arrays = {
        **{"data": csc.data, "indices": csc.indices, "indptr": csc.indptr, **columns},
        **{"row_data": csr.data, "row_indices": csr.indices, "row_indptr": csr.indptr},
        "colmax": csr.max(axis=0).toarray().ravel() if csr.shape[0] else np.zeros(csr.shape[1], np.float32),
        "owner_order": owner_order,
        "owner_keys": columns["owners"][owner_order],
    }
    for name in ARRAYS + PRUNING:
        np.save(folder / f"{name}.npy", arrays[name])
    (folder / "meta.json").write_text(json.dumps(meta))


def write_build(
    slot: BuildSlot,
    matrix: sparse.csr_matrix,
    *,
    ids: np.ndarray,
    owners: np.ndarray,
    stamps: np.ndarray,
    watermark: datetime | None,
) -> Path:
    """Write a build (rows sorted by id), point CURRENT at it, drop older builds; return its path."""
    order = np.argsort(ids, kind="stable")
    target = slot.folder
    target.mkdir(parents=True, exist_ok=True)
    meta = {
        "version": slot.version,
        "rows": len(ids),
        "n_features": matrix.shape[1],
        "watermark": as_utc(watermark).isoformat() if watermark else None,
        "run_id": slot.run_id,
    }
    columns = {
        "ids": np.asarray(ids, dtype=np.int64)[order],
        "owners": np.asarray(owners, dtype=np.int64)[order],
        "stamps": np.asarray(stamps, dtype=np.float64)[order],
    }
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=target))
    _save(tmp, matrix[order], columns, meta)
    return publish(tmp, target)


def publish(folder: Path, target: Path) -> Path:
    """Rename a complete build folder into `target` and switch CURRENT to it."""
    name = f"build-{datetime.now().strftime('%Y%m%dT%H%M%S%f')}-{os.getpid()}"
    final = target / name
    folder.rename(final)
    pointer = target / f".{CURRENT}.{os.getpid()}"
    pointer.write_text(name)
    os.replace(pointer, target / CURRENT)
    builds = sorted(p for p in target.iterdir() if p.name.startswith("build-"))
    for old in builds[:-KEEP_BUILDS]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def adopt(source: Path, slot: BuildSlot) -> Path:
    """Copy a build downloaded from the slot's run into the cache and make it CURRENT (unless one is)."""
    existing = current_path(slot)
    if existing is not None:
        return existing
    slot.folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".download-", dir=slot.folder))
    for item in source.iterdir():
        shutil.copy2(item, tmp / item.name)
    meta = json.loads((tmp / "meta.json").read_text())
    if slot.run_id and not meta.get("run_id"):  # logged before builds named their run: it is this run's
        (tmp / "meta.json").write_text(json.dumps({**meta, "run_id": slot.run_id}))
    return publish(tmp, slot.folder)
