"""Helpers for tests; subprocess and scratch-database helpers live in devtools/processes.py (bench too)."""

from devtools.processes import ROOT, command_env, free_port, run, scratch_postgres, wait_for

__all__ = ["ROOT", "command_env", "free_port", "run", "scratch_postgres", "wait_for"]
