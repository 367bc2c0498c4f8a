"""Idempotency-Key for POSTs that create things: a retry replays the first answer and creates nothing."""
