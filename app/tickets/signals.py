"""Events the tickets package announces so other packages can react without being imported."""

from typing import Any

from blinker import NamedSignal, Namespace
from flask import current_app

_signals = Namespace()

# Sent before a new ticket is inserted (it has no id yet); receivers get sender=app, ticket=Ticket,
# actor=User and may set its fields (due times; a category with source "model"), which the INSERT carries.
ticket_creating = _signals.signal("ticket-creating")

# Sent after a new ticket is flushed and before its transaction commits;
# receivers get sender=app, ticket=Ticket, actor=User and may add rows to the same transaction.
ticket_created = _signals.signal("ticket-created")

# Sent by a write on an existing ticket before it changes anything (after its checks pass), in the
# write's transaction; receivers get sender=app, ticket=Ticket and may note its state before the change.
ticket_changing = _signals.signal("ticket-changing")

# Sent before a ticket is deleted, in the deletion's transaction; receivers get sender=app, ticket=Ticket.
ticket_deleting = _signals.signal("ticket-deleting")
# Sent when a ticket's category is set or confirmed, before the transaction commits; receivers get
# sender=app, ticket=Ticket, category=str | None, source="human" | "model", actor=User | None.
category_set = _signals.signal("category-set")

# Sent by the other writes after the change is applied and before its transaction commits;
# receivers get sender=app, ticket=Ticket, actor=User | None and may add rows to the same transaction.
ticket_updated = _signals.signal("ticket-updated")
ticket_transitioned = _signals.signal("ticket-transitioned")
ticket_assigned = _signals.signal("ticket-assigned")
ticket_categorized = _signals.signal("ticket-categorized")


def announce(signal: NamedSignal, **kwargs: Any) -> None:
    """Send a signal from the current app (receivers subscribe per app object, not its proxy)."""
    signal.send(current_app._get_current_object(), **kwargs)  # type: ignore[attr-defined]
