"""Ticket KPIs (trends, time to resolve, backlog, reopens, first response, SLA) from rollups or rows."""
