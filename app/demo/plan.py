"""Plan seed tickets as plain rows: a realistic life story per ticket, cut off at `now`.

Times are whole seconds since the epoch until rows are built, so planning stays cheap for a
million tickets. Rows are tuples in TICKET_COLUMNS / EVENT_COLUMNS order, ready for COPY.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from app.demo.text import sample_ticket_text
from app.tickets.milestones import Milestones, apply_event
from app.tickets.models import CategorySource, EventKind, Status

TICKET_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "category",
    "category_source",
    "created_by_id",
    "assigned_to_id",
    "created_at",
    "updated_at",
    "resolved_at",
    "first_resolved_at",
    "first_response_at",
    "reopened_at",
    "first_response_due_at",
    "resolution_due_at",
)
EVENT_COLUMNS = ("id", "ticket_id", "actor_id", "kind", "from_value", "to_value", "source", "created_at")

CATEGORY_WEIGHTS = {"bug": 30, "billing": 22, "account": 20, "feature": 15, "other": 13}
PRIORITY_WEIGHTS = {"LOW": 25, "MEDIUM": 45, "HIGH": 22, "URGENT": 8}
UNCATEGORISED_RATE = 0.10
SPAN_SECONDS = 180 * 86400
MINUTE, HOUR, DAY = 60, 3600, 86400
# Median seconds to first response and to resolution by priority; both spread log-normally.
FIRST_RESPONSE = {"URGENT": 10 * MINUTE, "HIGH": 40 * MINUTE, "MEDIUM": 3 * HOUR, "LOW": 8 * HOUR}
RESOLUTION = {"URGENT": 4 * HOUR, "HIGH": 16 * HOUR, "MEDIUM": 2 * DAY, "LOW": 5 * DAY}

Step = tuple[int, int | None, str, str | None, str | None, str | None]  # t, actor, kind, from, to, source


class TicketPlanner:
    """Turns one random stream into ticket and event rows; deterministic for a seed and `now`."""

    def __init__(
        self,
        rng: random.Random,
        *,
        now: datetime,
        requester_id: int,
        agent_ids: list[int],
        first_event_id: int,
        targets: dict[str, tuple[float, float]],
    ) -> None:
        self.rng, self.now = rng, int(now.timestamp())
        self.requester_id, self.agent_ids, self.staff = requester_id, agent_ids, set(agent_ids)
        self.targets = targets  # priority -> (first response hours, resolution hours)
        self.next_event_id = first_event_id
        self._categories, self._category_weights = zip(*CATEGORY_WEIGHTS.items(), strict=True)
        self._priorities, self._priority_weights = zip(*PRIORITY_WEIGHTS.items(), strict=True)

    def creation_times(self, n: int) -> list[int]:
        """n creation times, oldest first, so ids follow creation order as in a live system."""
        return sorted(self._created_at() for _ in range(n))

    def plan(self, ticket_id: int, created: int) -> tuple[tuple, list[tuple]]:
        """One ticket row created at `created` (epoch seconds) and its event rows, oldest first."""
        rng = self.rng
        topic = rng.choices(self._categories, self._category_weights)[0]
        category = None if rng.random() < UNCATEGORISED_RATE else topic
        priority = rng.choices(self._priorities, self._priority_weights)[0]
        title, description = sample_ticket_text(topic, rng)
        agent = rng.choice(self.agent_ids)
        steps: list[Step] = [(created, self.requester_id, EventKind.CREATED, None, Status.OPEN, None)]
        if category:
            triage = min(rng.randint(MINUTE, 4 * HOUR), (self.now - created) // 2)
            steps.append(
                (
                    created + triage,
                    rng.choice(self.agent_ids),
                    EventKind.CATEGORY,
                    None,
                    category,
                    CategorySource.HUMAN,
                )
            )
        steps += [s for s in self._workflow(created, priority, agent) if s[0] <= self.now]
        steps.sort(key=lambda s: s[0])
        status: str = Status.OPEN
        assignee, m = None, Milestones[int]()
        for t, actor, kind, old, new, _ in steps:
            m = apply_event(m, kind=kind, old=old, new=new, by_staff=actor in self.staff, at=t)
            if kind == EventKind.ASSIGNMENT:
                assignee = int(new) if new else None
            elif kind == EventKind.STATUS:
                status = new or status
        ticket = (
            ticket_id,
            title,
            description,
            status,
            priority,
            category,
            category and CategorySource.HUMAN,
            self.requester_id,
            assignee,
            _ts(created),
            _ts(steps[-1][0]),
            _ts(m.resolved_at),
            _ts(m.first_resolved_at),
            _ts(m.first_response_at),
            _ts(m.reopened_at),
            *self._due_times(created, priority),
        )
        return ticket, [self._event(ticket_id, step) for step in steps]

    def _due_times(self, created: int, priority: str) -> tuple[datetime | None, ...]:
        """first_response_due_at and resolution_due_at under the targets the seed runs with."""
        response_hours, resolution_hours = self.targets[priority]
        return _ts(created + int(response_hours * HOUR)), _ts(created + int(resolution_hours * HOUR))

    def _event(self, ticket_id: int, step: Step) -> tuple:
        t, actor, kind, old, new, source = step
        self.next_event_id += 1
        return (self.next_event_id - 1, ticket_id, actor, kind, old, new, source, _ts(t))

    def _created_at(self) -> int:
        """Uniform over the span, but nights and weekends are redrawn most of the time."""
        rng = self.rng
        for _ in range(4):
            t = self.now - rng.randint(0, SPAN_SECONDS)
            weekday, hour = (t // DAY + 3) % 7, t % DAY // HOUR  # 1970-01-01 was a Thursday
            if (weekday < 5 and 7 <= hour < 19) or rng.random() < 0.3:
                break
        return t

    def _delay(self, median: int, low: int, high: int, scale: float = 1.0) -> int:
        return max(low, min(high, int(median * scale * self.rng.lognormvariate(0.0, 1.0))))

    def _workflow(self, created: int, priority: str, agent: int) -> list[Step]:
        """The status story as if time ran on forever; the caller cuts it at `now`."""
        rng, requester = self.rng, self.requester_id
        # Forgotten tickets pile up recently; older ones have mostly been swept from the backlog.
        stale = 0.05 if self.now - created < 30 * DAY else 0.01
        fate = rng.random()
        if fate < stale:  # backlog nobody has picked up yet
            return []
        if fate < stale + 0.03:  # the requester closes it themselves (solved, duplicate, never mind)
            closed = created + rng.randint(10 * MINUTE, 2 * DAY)
            return [(closed, requester, EventKind.STATUS, Status.OPEN, Status.CLOSED, None)]
        t = created + self._delay(FIRST_RESPONSE[priority], MINUTE, 3 * DAY)
        steps: list[Step] = [(t, agent, EventKind.ASSIGNMENT, None, str(agent), None)]
        current = Status.OPEN
        if rng.random() < 0.88:
            t += rng.randint(1, 10 * MINUTE)
            steps.append((t, agent, EventKind.STATUS, current, Status.IN_PROGRESS, None))
            current = Status.IN_PROGRESS
            if rng.random() < stale:  # stalled, waiting on the customer
                return steps
        t += self._delay(RESOLUTION[priority], 15 * MINUTE, 30 * DAY)
        steps.append((t, agent, EventKind.STATUS, current, Status.RESOLVED, None))
        if rng.random() < 0.08:  # the customer writes back: reopened, worked again, resolved again
            t += rng.randint(HOUR, 5 * DAY)
            steps.append((t, agent, EventKind.STATUS, Status.RESOLVED, Status.OPEN, None))
            t += self._delay(FIRST_RESPONSE[priority], MINUTE, DAY)
            steps.append((t, agent, EventKind.STATUS, Status.OPEN, Status.IN_PROGRESS, None))
            t += self._delay(RESOLUTION[priority], 15 * MINUTE, 14 * DAY, scale=0.5)
            steps.append((t, agent, EventKind.STATUS, Status.IN_PROGRESS, Status.RESOLVED, None))
        if rng.random() < 0.6:
            closer = rng.choice((agent, requester))
            steps.append(
                (
                    t + rng.randint(DAY, 10 * DAY),
                    closer,
                    EventKind.STATUS,
                    Status.RESOLVED,
                    Status.CLOSED,
                    None,
                )
            )
        return steps


def _ts(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)
