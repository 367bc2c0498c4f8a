"""Tickets, their workflow and history. Knows nothing of ML or analytics."""
