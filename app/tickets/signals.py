"""Events the tickets package announces so other packages can react without being imported."""

from blinker import Namespace

_signals = Namespace()

# Sent after a new ticket is flushed and before its transaction commits;
# receivers get sender=app, ticket=Ticket, actor=User and may change the ticket in the same transaction.
ticket_created = _signals.signal("ticket-created")

# Sent when a ticket's category is set or confirmed, before the transaction commits; receivers get
# sender=app, ticket=Ticket, category=str | None, source="human" | "model", actor=User | None.
category_set = _signals.signal("category-set")
