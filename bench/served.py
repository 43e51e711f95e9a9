"""The real service for benchmarks: `creditscore run` under uvicorn in a subprocess on a free
loopback port, on SQLite or on a throwaway PostgreSQL database, and its CLI on the same settings.
:func:`serve_command` starts another server command (a benchmark's own app) the same way.

Everything here is a context manager that cleans up after itself: the server is stopped (SIGTERM,
then SIGKILL if it does not exit) and the database this module created is dropped, and no other.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

__all__ = [
    "DEFAULT_POSTGRES_ADMIN_URL",
    "Service",
    "free_port",
    "serve",
    "serve_command",
    "server_problems",
    "throwaway_postgres",
]

# The server the test suite uses (and `.ci/services` starts), unless told otherwise.
DEFAULT_POSTGRES_ADMIN_URL = os.environ.get(
    "CS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
HOST = "127.0.0.1"
# `creditscore` without relying on the console script being on PATH.
CLI = [sys.executable, "-c", "from app.cli import main; main()"]


def free_port(host: str = HOST) -> int:
    """A port the kernel just handed out on ``host`` (free unless someone takes it meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def throwaway_postgres(admin_url: str, prefix: str = "creditscore_bench") -> Iterator[str]:
    """A new, empty database ``<prefix>_<pid>_<hex>`` on the server; dropped on the way out."""
    admin = make_url(admin_url)
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(drivername="postgresql", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Service:
    """A running service: where it answers, its process id, its environment, its log file."""

    base_url: str
    pid: int
    env: dict[str, str]
    log_path: Path

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server has used so far, its worker processes included
        (Linux ``/proc``).

        Unlike wall-clock figures it does not depend on what else runs on the machine.
        """
        return sum(_process_cpu_seconds(pid) for pid in _process_tree(self.pid))

    def cli(self, *args: str) -> str:
        """Run ``creditscore ARGS`` on the service's settings; its standard output."""
        done = subprocess.run(  # noqa: S603 (our own interpreter and CLI)
            [*CLI, *args],
            env={**self.env, "COLUMNS": "500"},  # rich must not wrap a key across lines
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"creditscore {args[0]} failed: {done.stdout}{done.stderr}"[-2000:])
        return done.stdout


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's worker processes), as far as they still run."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                todo.extend(int(child) for child in (task / "children").read_text().split())
            except FileNotFoundError:
                continue
    return found


def _process_cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat(5)
    return ticks / os.sysconf("SC_CLK_TCK")


def service_env(
    database_url: str | None,
    workdir: Path,
    extra: dict[str, str] | None = None,
    *,
    worker_in_api: bool = True,
) -> dict[str, str]:
    """The environment of a served process: development settings, the database, ``extra``.

    On PostgreSQL jobs wait in the durable queue for a worker; with ``worker_in_api`` the server
    runs one itself (`CS_JOBS__WORKER_IN_API`, the one-machine deployment), so syncs and scoring
    happen as they do on SQLite.
    """
    # Settings come only from here: a CS_ variable of the caller's shell (a database URL, a
    # public base URL) would silently change what is measured.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_")}
    env.update(
        CS_ENV="development",
        CS_DATA_DIR=str(workdir / "data"),
        CS_DATABASE_URL=database_url or "",
        CS_LOG_LEVEL="WARNING",
        CS_JOBS__WORKER_IN_API=str(worker_in_api).lower(),
    )
    # The bench package is not installed: make it importable from the server's processes.
    root = str(Path(__file__).resolve().parent.parent)
    path = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = root + (os.pathsep + path if path else "")
    env.update(extra or {})
    return env


@contextmanager
def serve(
    database_url: str | None,
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    start_timeout_s: float = 120.0,
) -> Iterator[Service]:
    """`creditscore run` on a free port of 127.0.0.1 (``None``: SQLite in ``workdir``)."""
    env = service_env(database_url, workdir, extra_env)
    port = free_port()
    command = [*CLI, "run", "--host", HOST, "--port", str(port)]
    with serve_command(command, port, env, workdir / "service.log", start_timeout_s) as service:
        yield service


@contextmanager
def serve_command(
    command: list[str],
    port: int,
    env: dict[str, str],
    log_path: Path,
    start_timeout_s: float = 120.0,
    ready_path: str = "/openapi.json",
) -> Iterator[Service]:
    """Start ``command`` (a server that listens on ``port`` of 127.0.0.1), wait until it answers
    200 at ``ready_path``, stop it on the way out; its output is appended to ``log_path``."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and modules)
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            service = Service(f"http://{HOST}:{port}", process.pid, env, log_path)
            _wait_until_up(service, process, start_timeout_s, ready_path)
            yield service
        finally:
            _stop(process)


def _wait_until_up(
    service: Service, process: subprocess.Popen[bytes], timeout_s: float, ready_path: str
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = service.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the service exited with {process.returncode}:\n{tail}")
        try:
            if httpx.get(f"{service.base_url}{ready_path}", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the service did not answer within {timeout_s:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # uvicorn shuts down gracefully on SIGTERM
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


_LEVEL = re.compile(r'"level":\s*"(error|critical)"')


def server_problems(log_path: Path, limit: int = 10) -> tuple[int, list[str]]:
    """Errors the service logged (JSON events at error level, tracebacks): count, first lines."""
    count, previous_bad = 0, False
    samples: list[str] = []
    for line in log_path.read_text(errors="replace").splitlines():
        # uvicorn writes "ERROR: ..." then the traceback: one problem, not two.
        traceback = line.startswith("Traceback") and not previous_bad
        bad = bool(_LEVEL.search(line)) or line.startswith("ERROR") or traceback
        previous_bad = bad or (previous_bad and line.startswith((" ", "Traceback")))
        if not bad:
            continue
        count += 1
        if len(samples) < limit:
            samples.append(_short(line))
    return count, samples


def _short(line: str) -> str:
    try:
        event = json.loads(line)
    except ValueError:
        return line[:400]
    if isinstance(event, dict):
        keep = {k: event[k] for k in ("event", "job", "connection_id", "exception") if k in event}
        return json.dumps(keep)[:1500]
    return line[:400]
