"""The hand-written realistic corpus (tests/data/realistic_tickets_*.jsonl) as texts and labels."""

from __future__ import annotations

import json
from pathlib import Path

from app.ml.pipeline import ticket_text

DATA = Path(__file__).resolve().parent.parent / "data"


def realistic_texts() -> tuple[list[str], list[str]]:
    """Every ticket's model text and its category, file a then file b."""
    texts, labels = [], []
    for name in ("realistic_tickets_a.jsonl", "realistic_tickets_b.jsonl"):
        for line in (DATA / name).read_text().splitlines():
            ticket = json.loads(line)
            texts.append(ticket_text(ticket["title"], ticket["description"]))
            labels.append(ticket["category"])
    return texts, labels
