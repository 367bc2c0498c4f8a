"""Tickets endpoints: thin MethodViews over app.tickets.service."""

from __future__ import annotations

import warnings

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.current import auth_required, current_user
from app.pagination import PAGINATION_HEADERS, pagination_headers
from app.tickets import listing, service
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


def _load(ticket_id: int):
    return service.get_ticket(user=current_user(), ticket_id=ticket_id)


def _check_optional_etag(ticket) -> None:
    """Honour If-Match on POST actions when the client sends it (optimistic concurrency)."""
    if request.if_match:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            blp.check_etag(ticket, TicketSchema)


@blp.route("/")
class Tickets(MethodView):
    decorators = [auth_required()]

    @blp.arguments(TicketQuerySchema, location="query")
    @blp.response(200, TicketSchema(many=True), headers=PAGINATION_HEADERS)
    @blp.alt_response(400, response="BAD_REQUEST", description="Bad cursor, or an offset page too deep")
    def get(self, args):
        """List tickets, filtered, ordered and paginated"""
        paging = {key: args.pop(key) for key in ("page", "page_size", "cursor", "count") if key in args}
        args.setdefault("lang", current_app.config["SEARCH_LANGUAGE"])
        page = listing.list_tickets(user=current_user(), filters=TicketFilters(**args), **paging)
        return page.items, pagination_headers(page)

    @blp.arguments(TicketCreateSchema)
    @blp.response(201, TicketSchema)
    def post(self, data):
        """Create a ticket"""
        ticket = service.create_ticket(user=current_user(), data=data)
        return ticket, {"Location": url_for("tickets.TicketById", ticket_id=ticket.id)}


@blp.route("/<int:ticket_id>/")
class TicketById(MethodView):
    decorators = [auth_required()]

    @blp.etag
    @blp.response(200, TicketSchema)
    def get(self, ticket_id):
        """Get a ticket"""
        return _load(ticket_id)

    @blp.etag
    @blp.arguments(TicketUpdateSchema)
    @blp.response(200, TicketSchema)
    def put(self, data, ticket_id):
        """Replace a ticket's editable fields (requires If-Match)"""
        ticket = _load(ticket_id)
        blp.check_etag(ticket, TicketSchema)
        return service.update_ticket(user=current_user(), ticket=ticket, changes=data)

    @blp.etag
    @blp.arguments(TicketPatchSchema(partial=True))
    @blp.response(200, TicketSchema)
    def patch(self, data, ticket_id):
        """Update some of a ticket's editable fields (requires If-Match)"""
        ticket = _load(ticket_id)
        blp.check_etag(ticket, TicketSchema)
        return service.update_ticket(user=current_user(), ticket=ticket, changes=data)

    @blp.etag
    @blp.response(204)
    def delete(self, ticket_id):
        """Delete a ticket (admin; requires If-Match)"""
        ticket = _load(ticket_id)
        blp.check_etag(ticket, TicketSchema)
        service.delete_ticket(user=current_user(), ticket=ticket)


@blp.route("/<int:ticket_id>/assign/")
class TicketAssign(MethodView):
    decorators = [auth_required()]

    @blp.etag
    @blp.arguments(AssignSchema)
    @blp.response(200, TicketSchema)
    def post(self, data, ticket_id):
        """Assign a ticket to an agent or admin, or unassign it"""
        ticket = _load(ticket_id)
        _check_optional_etag(ticket)
        return service.assign_ticket(user=current_user(), ticket=ticket, assignee_id=data["assigned_to"])


@blp.route("/<int:ticket_id>/transition/")
class TicketTransition(MethodView):
    decorators = [auth_required()]

    @blp.etag
    @blp.arguments(TransitionSchema)
    @blp.response(200, TicketSchema)
    def post(self, data, ticket_id):
        """Move a ticket to another status, following the workflow"""
        ticket = _load(ticket_id)
        _check_optional_etag(ticket)
        return service.transition_ticket(user=current_user(), ticket=ticket, status=data["status"])


@blp.route("/<int:ticket_id>/events/")
class TicketEvents(MethodView):
    decorators = [auth_required()]

    @blp.response(200, TicketEventSchema(many=True))
    def get(self, ticket_id):
        """List a ticket's history, oldest first"""
        return service.ticket_events(user=current_user(), ticket_id=ticket_id)
