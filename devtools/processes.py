"""Running the app's own commands and servers in subprocesses against scratch databases (tests, bench)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command_env(**extra: str) -> dict[str, str]:
    """The environment for running flask/gunicorn from this venv, isolated from the developer's .env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DATABASE_URL"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        FLASK_APP="app:create_app",
        MLFLOW_DISABLE_TELEMETRY="true",
        ML_LOAD_ON_START="false",
        **extra,
    )
    return env


def run(
    args: list[str], env: dict[str, str], *, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run a command from the repository root and return its completed process."""
    return subprocess.run(
        args, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=timeout
    )


@contextlib.contextmanager
def scratch_postgres(admin_url: str) -> Iterator[str]:
    """Create an empty PostgreSQL database next to admin_url's, yield its URL, drop it afterwards."""
    name = f"scratch_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def wait_for(url: str, timeout: float = 60, proc: subprocess.Popen | None = None) -> requests.Response:
    """Poll url until it answers 200, or fail after timeout seconds (or if proc dies)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(
                f"process exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}"
            )
        with contextlib.suppress(requests.RequestException):
            r = requests.get(url, timeout=2)
            if r.status_code == 200:
                return r
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer 200 within {timeout} s")


@contextlib.contextmanager
def serving(
    args: list[str],
    env: dict[str, str],
    *,
    ready_url: str,
    timeout: float,
    output: Any,
    stop_timeout: float,
    cwd: Path = ROOT,
) -> Iterator[subprocess.Popen]:
    """Start a server in cwd, wait until ready_url answers 200, yield it; terminate it (kill if stuck)."""
    text = output is subprocess.PIPE
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, text=text)
    try:
        wait_for(ready_url, timeout=timeout, proc=proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=stop_timeout)
        except subprocess.TimeoutExpired:  # a worker busy loading a large model: do not lose the results
            proc.kill()
            proc.communicate(timeout=60)
