"""Tickets endpoints: thin MethodViews over app.tickets.service."""

from __future__ import annotations

import warnings

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.current import auth_required, current_user
from app.database import read_only
from app.error_docs import errors
from app.extensions import commit_keeping_state, db
from app.idempotency.decorator import idempotent
from app.pagination import PAGINATION_HEADERS, pagination_headers
from app.tickets import listing, service
from app.tickets.models import Ticket
from app.tickets.query import TicketFilters
from app.tickets.schemas import (
    AssignSchema,
    TicketCreateSchema,
    TicketEventSchema,
    TicketPatchSchema,
    TicketQuerySchema,
    TicketSchema,
    TicketUpdateSchema,
    TransitionSchema,
)

blp = Blueprint(
    "tickets",
    __name__,
    url_prefix="/api/tickets",
    description="Create, list, edit, assign and move tickets through the workflow",
)


def _load(ticket_id: int, *, for_update: bool = False) -> Ticket:
    return service.get_ticket(user=current_user(), ticket_id=ticket_id, for_update=for_update)


def _etag_data(ticket: Ticket) -> dict[str, int]:
    # The version changes with every write, so the ETag does too, and only then.
    return {"id": ticket.id, "version": ticket.version}


def _load_checked(ticket_id: int) -> Ticket:
    """Lock the ticket, then check If-Match against the state a concurrent writer may just have left."""
    ticket = _load(ticket_id, for_update=True)
    if request.if_match:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # flask-smorest warns when checking on POST
            blp.check_etag(_etag_data(ticket))
    return ticket


def _tagged(ticket: Ticket) -> Ticket:
    blp.set_etag(_etag_data(ticket))
    return ticket


def _saved(ticket: Ticket) -> Ticket:
    """Commit the request's one transaction, then tag the answer with the new version."""
    commit_keeping_state()
    return _tagged(ticket)


@blp.route("/")
class Tickets(MethodView):
    decorators = [auth_required()]

    @read_only
    @blp.arguments(TicketQuerySchema, location="query")
    @blp.response(200, TicketSchema(many=True), headers=PAGINATION_HEADERS)
    @blp.alt_response(400, response="BAD_REQUEST", description="Bad cursor, or an offset page too deep")
    def get(self, args):
        """List tickets, filtered, ordered and paginated"""
        paging = {key: args.pop(key) for key in ("page", "page_size", "cursor", "count") if key in args}
        args.setdefault("lang", current_app.config["SEARCH_LANGUAGE"])
        page = listing.list_tickets(user=current_user(), filters=TicketFilters(**args), **paging)
        return page.items, pagination_headers(page)

    @idempotent
    @blp.arguments(TicketCreateSchema)
    @blp.response(201, TicketSchema)
    @errors(403)
    def post(self, data):
        """Create a ticket"""
        ticket = service.create_ticket(user=current_user(), **data)
        commit_keeping_state()
        return ticket, {"Location": url_for("tickets.TicketById", ticket_id=ticket.id)}


@blp.route("/<int:ticket_id>/")
class TicketById(MethodView):
    decorators = [auth_required()]

    @read_only
    @blp.etag
    @blp.response(200, TicketSchema)
    def get(self, ticket_id):
        """Get a ticket"""
        return _tagged(_load(ticket_id))

    @blp.etag
    @blp.arguments(TicketUpdateSchema)
    @blp.response(200, TicketSchema)
    @errors(403)
    def put(self, data, ticket_id):
        """Replace a ticket's editable fields (requires If-Match)"""
        return _saved(service.update_ticket(user=current_user(), ticket=_load_checked(ticket_id), **data))

    @blp.etag
    @blp.arguments(TicketPatchSchema(partial=True))
    @blp.response(200, TicketSchema)
    @errors(403)
    def patch(self, data, ticket_id):
        """Update some of a ticket's editable fields (requires If-Match)"""
        return _saved(service.update_ticket(user=current_user(), ticket=_load_checked(ticket_id), **data))

    @blp.etag
    @blp.response(204)
    @errors(403)
    def delete(self, ticket_id):
        """Delete a ticket (admin; requires If-Match)"""
        service.delete_ticket(user=current_user(), ticket=_load_checked(ticket_id))
        db.session.commit()


@blp.route("/<int:ticket_id>/assign/")
class TicketAssign(MethodView):
    decorators = [auth_required()]

    @blp.etag
    @blp.arguments(AssignSchema)
    @blp.response(200, TicketSchema)
    @errors(403)
    def post(self, data, ticket_id):
        """Assign a ticket to an agent or admin, or unassign it"""
        ticket = _load_checked(ticket_id)
        return _saved(
            service.assign_ticket(user=current_user(), ticket=ticket, assignee_id=data["assigned_to"])
        )


@blp.route("/<int:ticket_id>/transition/")
class TicketTransition(MethodView):
    decorators = [auth_required()]

    @blp.etag
    @blp.arguments(TransitionSchema)
    @blp.response(200, TicketSchema)
    @errors(403, 409)
    def post(self, data, ticket_id):
        """Move a ticket to another status, following the workflow"""
        ticket = _load_checked(ticket_id)
        return _saved(service.transition_ticket(user=current_user(), ticket=ticket, status=data["status"]))


@blp.route("/<int:ticket_id>/events/")
class TicketEvents(MethodView):
    decorators = [auth_required()]

    @read_only
    @blp.response(200, TicketEventSchema(many=True))
    def get(self, ticket_id):
        """List a ticket's history, oldest first"""
        return service.ticket_events(user=current_user(), ticket_id=ticket_id)
