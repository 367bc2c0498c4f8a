"""Ticket KPIs (trends, time to resolve, backlog, reopens, first response) computed in the database."""

from app.analytics import indexes  # noqa: F401 - registers the analytics indexes on the tables
