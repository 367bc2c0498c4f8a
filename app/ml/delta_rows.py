"""The delta's vectors as a few stacked blocks, so a search after each new ticket does not restack them all.

Rows are appended in order and never moved: a row's sequence number is its position, a block holds a
contiguous range of them, and a new block is merged into the one before it while it is at least as large (a
binary counter: O(log n) blocks, each row copied O(log n) times). A superseded or deleted row is only marked
dead; when the dead outnumber the living, everything is restacked once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

COMPACT_AFTER = 1_000  # dead rows tolerated before a restack is considered


@dataclass
class _Block:
    matrix: sparse.csr_matrix
    ids: np.ndarray
    owners: np.ndarray

    def merged(self, later: _Block) -> _Block:
        return _Block(
            sparse.vstack([self.matrix, later.matrix], format="csr"),
            np.concatenate([self.ids, later.ids]),
            np.concatenate([self.owners, later.owners]),
        )


class DeltaRows:
    """Ticket vectors searched by a dot product, one live row per ticket; callers hold their own lock."""

    def __init__(self) -> None:
        self._blocks: list[_Block] = []
        self._pending: list[tuple[int, sparse.csr_matrix, int]] = []
        self._seq: dict[int, int] = {}  # ticket id -> sequence number of its live row
        self._live = np.zeros(0, dtype=bool)
        self._next = 0

    def __len__(self) -> int:
        return len(self._seq)

    def add(self, ticket_id: int, vector: sparse.csr_matrix, owner_id: int) -> None:
        """Make vector the ticket's row (its previous one, if any, dies)."""
        self.remove(ticket_id)
        self._seq[ticket_id] = self._next + len(self._pending)
        self._pending.append((ticket_id, vector, owner_id))

    def remove(self, ticket_id: int) -> None:
        """Drop the ticket's row, if it has one."""
        seq = self._seq.pop(ticket_id, None)
        if seq is not None and seq < self._next:  # a pending row's liveness is settled when it is stacked
            self._live[seq] = False

    def vector(self, ticket_id: int) -> sparse.csr_matrix | None:
        """The ticket's live row, if it has one."""
        seq = self._seq.get(ticket_id)
        if seq is None:
            return None
        if seq >= self._next:
            return self._pending[seq - self._next][1]
        start = 0
        for block in self._blocks:  # a row's sequence number is its position across the blocks
            if seq < start + len(block.ids):
                return block.matrix[seq - start]
            start += len(block.ids)
        raise AssertionError(f"row {seq} of ticket {ticket_id} is in no block")

    def scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ticket ids, owners, dot products with the dense query column) of the live rows."""
        self._flush()
        if self._live.size - len(self._seq) > max(COMPACT_AFTER, len(self._seq)):
            self._restack()
        if not self._blocks:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
        scores = np.concatenate([np.asarray(b.matrix @ query).ravel() for b in self._blocks])
        ids = np.concatenate([b.ids for b in self._blocks])
        owners = np.concatenate([b.owners for b in self._blocks])
        return ids[self._live], owners[self._live], scores[self._live]

    def _flush(self) -> None:
        if not self._pending:
            return
        tids, vectors, owners = zip(*self._pending, strict=True)
        live = [self._seq.get(tid) == self._next + n for n, tid in enumerate(tids)]
        self._append(
            _Block(
                sparse.vstack(vectors, format="csr"),
                np.fromiter(tids, dtype=np.int64, count=len(tids)),
                np.fromiter(owners, dtype=np.int64, count=len(tids)),
            ),
            np.array(live, dtype=bool),
        )
        self._pending = []

    def _append(self, block: _Block, live: np.ndarray) -> None:
        self._live = np.concatenate([self._live, live])
        self._next += len(block.ids)
        self._blocks.append(block)
        while len(self._blocks) > 1 and len(self._blocks[-1].ids) >= len(self._blocks[-2].ids):
            later = self._blocks.pop()
            self._blocks[-1] = self._blocks[-1].merged(later)

    def _restack(self) -> None:
        """One block of the live rows only, numbered afresh."""
        whole = self._blocks[0]
        for block in self._blocks[1:]:
            whole = whole.merged(block)
        kept = _Block(whole.matrix[self._live], whole.ids[self._live], whole.owners[self._live])
        self._blocks, self._live, self._next = [], np.zeros(0, dtype=bool), 0
        self._seq = {int(tid): n for n, tid in enumerate(kept.ids)}
        self._append(kept, np.ones(len(kept.ids), dtype=bool))
