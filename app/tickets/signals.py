"""Events the tickets package announces so other packages can react without being imported."""

from blinker import Namespace

_signals = Namespace()

# Sent after a new ticket is flushed and before its transaction commits;
# receivers get sender=app, ticket=Ticket, actor=User and may change the ticket in the same transaction.
ticket_created = _signals.signal("ticket-created")
