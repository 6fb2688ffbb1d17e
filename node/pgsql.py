"""PostgreSQL for the node's store and audit log: where the database is, and a connection that reads like SQLite's.

The store and the audit log run the same statements on both engines (`?` marks each parameter, explicit
BEGIN and COMMIT); `PgConnection` turns them into psycopg's, so the lookups, and so the candidates and the
scores, are worked out by the same Python code whichever engine holds the records.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg

# Either engine's errors, where a caller turns them into StoreError or AuditError.
DATABASE_ERRORS = (sqlite3.DatabaseError, psycopg.Error)
# And a file that cannot be written (an SQLite file's disk).
STORAGE_ERRORS = (sqlite3.DatabaseError, psycopg.Error, OSError)
# How long the node waits to reach the database before it says the store or audit log is unavailable.
CONNECT_TIMEOUT_S = 5
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


@dataclass(frozen=True)
class PostgresDatabase:
    """A PostgreSQL database by its connection URL (`postgresql://user@host:port/name`)."""

    url: str

    def __str__(self) -> str:
        """The URL without its password, for messages and logs."""
        return _PASSWORD.sub(r"\1***@", self.url)


# Where records or audit entries live: an SQLite file, or a PostgreSQL database.
Location = Path | PostgresDatabase


class Rows(Protocol):
    """What a statement returns on either engine (an sqlite3 or a psycopg cursor)."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class PgConnection:
    """A psycopg connection in autocommit mode (transactions are begun and ended by the statements run, as with
    the node's SQLite connections) taking SQLite's `?` parameter marks."""

    def __init__(self, database: PostgresDatabase, *, application: str) -> None:
        self.database = database
        self._connection = psycopg.connect(
            database.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name=application
        )

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Rows:
        if not parameters:  # as written: may hold several statements (a schema)
            return self._connection.execute(sql)
        return self._connection.execute(_psycopg_parameters(sql), tuple(parameters))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._connection.cursor() as cursor:
            cursor.executemany(_psycopg_parameters(sql), [tuple(row) for row in rows])

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Many rows into a table in one COPY (table and column names are the node's own, never input)."""
        with (
            self._connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    @property
    def in_transaction(self) -> bool:
        return self._connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    @property
    def broken(self) -> bool:
        """The connection was lost (the server restarted or failed over): a new one is needed."""
        return self._connection.closed or self._connection.broken

    def close(self) -> None:
        self._connection.close()


def _psycopg_parameters(sql: str) -> str:
    # The node's statements hold no literal question mark or percent sign: every ? is a parameter.
    return sql.replace("?", "%s")


def pg_connect(database: PostgresDatabase, *, application: str) -> PgConnection:
    return PgConnection(database, application=application)


def with_schema_lock(connection: PgConnection, key: int, statements: str) -> None:
    """Creates tables and the like in one transaction, one process at a time (two node processes starting
    together would otherwise both try to create the same table): idempotent and safe to run concurrently."""
    connection.execute("BEGIN")
    try:
        connection.execute("SELECT pg_advisory_xact_lock(?)", (key,))
        connection.execute(statements)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
