"""A real PostgreSQL 15 server for the tests, and the two store engines the store, search, lifecycle and audit
tests run on: a fresh SQLite file or a fresh PostgreSQL database for each store a test makes.

The server is initialised in a temporary directory as an unprivileged user (initdb refuses root), listens on a
free loopback port and a socket in that directory, and is stopped at the end of the session.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from fedtools.federation import Tables
from node.pgsql import Location, PostgresDatabase, pg_connect

POSTGRES_BIN = Path(os.environ.get("FEDGATE_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
# initdb and the server refuse to run as root: as root they run as this user.
SERVER_USER = "postgres"
START_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresServer:
    """One PostgreSQL server (`start`, `stop`); `database()` makes a new empty database on it."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="fedgate-pg-"))
        self.data = self.directory / "data"
        self.port = 0
        self._as_user: list[str] = []

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self._as_user, *command], capture_output=True, text=True, timeout=START_TIMEOUT_S)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stdout}{done.stderr}")

    def start(self, settings: dict[str, str] | None = None) -> PostgresServer:
        """Starts the server; `settings` are server parameters beside the defaults (a benchmark's tuning)."""
        if os.geteuid() == 0:
            shutil.chown(self.directory, SERVER_USER, SERVER_USER)
            self._as_user = ["runuser", "-u", SERVER_USER, "--"]
        self._run(
            str(POSTGRES_BIN / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "fedgate",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.port = _free_port()
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        options += "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
        log = str(self.directory / "server.log")
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-l", log, "start")
        return self

    @property
    def url(self) -> str:
        return f"postgresql://fedgate@127.0.0.1:{self.port}/postgres"

    def database(self) -> PostgresDatabase:
        name = f"fedgate_{uuid.uuid4().hex[:12]}"
        connection = pg_connect(PostgresDatabase(self.url), application="fedgate-tests")
        try:
            connection.execute(f"CREATE DATABASE {name}")
        finally:
            connection.close()
        return PostgresDatabase(f"postgresql://fedgate@127.0.0.1:{self.port}/{name}")

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


class Engine:
    """Where a test keeps its records and audit log: SQLite files in its directory, or PostgreSQL databases."""

    def __init__(self, name: str, directory: Path, server: PostgresServer | None) -> None:
        self.name = name
        self.directory = directory
        self.server = server

    def __repr__(self) -> str:
        return self.name

    def location(self, file_name: str = "records.sqlite") -> Location:
        """A new, empty place for records or an audit log."""
        if self.server is None:
            return self.directory / file_name
        return self.server.database()

    def node_tables(self) -> Tables:
        """What a node's configuration says to keep its records and audit log here (SQLite: the default)."""
        if self.server is None:
            return {}
        return {"store": {"url": self.server.database().url}}


def rows(location: Location, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """What a statement reads from a store or an audit log, on either engine."""
    if isinstance(location, PostgresDatabase):
        connection = pg_connect(location, application="fedgate-tests")
        try:
            return [tuple(row) for row in connection.execute(sql, parameters)]
        finally:
            connection.close()
    with contextlib.closing(sqlite3.connect(location)) as sqlite:
        return [tuple(row) for row in sqlite.execute(sql, parameters)]


def execute(location: Location, *statements: str) -> None:
    """Runs statements and commits them, on either engine (what someone with write access could do)."""
    if isinstance(location, PostgresDatabase):
        connection = pg_connect(location, application="fedgate-tests")
        try:
            for statement in statements:
                connection.execute(statement)
        finally:
            connection.close()
        return
    with contextlib.closing(sqlite3.connect(location)) as sqlite:
        for statement in statements:
            sqlite.execute(statement)
        sqlite.commit()


@contextlib.contextmanager
def postgres_server(settings: dict[str, str] | None = None) -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server.start(settings)
    finally:
        server.stop()
