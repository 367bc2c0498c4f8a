"""The at-risk list under concurrent writes: its total always counts exactly the tickets it lists."""

from __future__ import annotations

import threading
import time

import pytest

from tests.helpers.races import race

ROUNDS = 25  # tickets the writer creates and closes; bounded in count and in time
DEADLINE = 60.0


@pytest.mark.parametrize("exact", ["false", "true"])
def test_total_matches_the_items_while_tickets_are_created_and_closed(
    app, postgres_only, admin, requester, auth, exact
):
    writer, reader = auth(requester), auth(admin)
    done = threading.Event()
    query = {"hours": 1000, "limit": 1000, "exact": exact}

    def write(client) -> list[int]:
        statuses = []
        for i in range(ROUNDS):
            body = {"title": f"printer {i}", "description": "jams", "priority": "URGENT"}
            created = client.post("/api/tickets/", json=body, headers=writer)
            statuses.append(created.status_code)
            if i % 3 == 0:
                url = f"/api/tickets/{created.json['id']}/transition/"
                statuses.append(client.post(url, json={"status": "CLOSED"}, headers=writer).status_code)
        done.set()
        return statuses

    def read(client) -> list[tuple[int, int, int]]:
        seen, started = [], time.monotonic()
        while not done.is_set() and time.monotonic() - started < DEADLINE:
            r = client.get("/api/analytics/sla/at-risk/", query_string=query, headers=reader)
            seen.append((r.status_code, r.json["total"], len(r.json["items"])))
        return seen

    written, *reads = race(app, [write, read, read], timeout=DEADLINE + 10)
    assert set(written) <= {200, 201}
    seen = [s for r in reads for s in r]
    assert seen and {status for status, _, _ in seen} == {200}
    assert [(total, items) for _, total, items in seen if total != items] == []
