"""Helpers for tests; subprocess and scratch-database helpers live in devtools/processes.py (bench too)."""

from devtools.processes import BIN, ROOT, command_env, free_port, run, scratch_postgres, wait_for

__all__ = ["BIN", "ROOT", "command_env", "free_port", "run", "scratch_postgres", "wait_for"]
