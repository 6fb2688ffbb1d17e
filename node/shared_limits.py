"""A requester's rate limit and probe budgets shared by every node process of a country on one PostgreSQL database.

`SharedRateLimiter`: the token bucket of fedcore.ratelimit.RateLimiter (`limit` per `window_s`, refilled
continuously), a row per requester taken in one statement. `SharedProbeBudget`: node.probing.ProbeBudget's
distinct query variants per (requester, record) in a sliding window, one transaction per search under a lock per
requester. So two processes behind a load balancer give a requester one allowance, not two. The database's clock
is the one clock. A database that cannot be asked admits nothing: the store and audit log live in it too, so the
search could not be answered anyway.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from node.pgsql import DATABASE_ERRORS, PgConnection, PostgresDatabase, pg_connect, with_schema_lock

T = TypeVar("T")

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS requester_rates (
    requester TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    allowed BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS probe_variants (
    requester TEXT NOT NULL,
    ref TEXT NOT NULL,
    variant TEXT NOT NULL,
    used_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (requester, ref, variant)
);
CREATE INDEX IF NOT EXISTS probe_variants_by_time ON probe_variants (used_at)
"""
PG_LIMITS_LOCK = 0x66656414
# The class of the two-key advisory locks (one per requester) that serialise a requester's probe admissions.
PG_PROBE_LOCK_CLASS = 0x66656415

# One statement: refill the requester's bucket to the database's now, take `cost` tokens if there are that many.
# (In DO UPDATE SET every `r.` is the row as it was.)
ACQUIRE_SQL = """
WITH now AS (SELECT extract(epoch FROM clock_timestamp())::double precision AS t)
INSERT INTO requester_rates AS r (requester, tokens, at, allowed)
SELECT ?, ?, t, ? FROM now
ON CONFLICT (requester) DO UPDATE SET
    tokens = least(?, r.tokens + (EXCLUDED.at - r.at) * ?)
        - CASE WHEN least(?, r.tokens + (EXCLUDED.at - r.at) * ?) >= ? THEN ? ELSE 0 END,
    at = EXCLUDED.at,
    allowed = least(?, r.tokens + (EXCLUDED.at - r.at) * ?) >= ?
RETURNING allowed, tokens
"""
# A bucket left alone for a whole window is full again: its row tells nothing and is dropped.
FORGET_SQL = "DELETE FROM requester_rates WHERE at < extract(epoch FROM clock_timestamp()) - ?"
FORGET_EVERY = 1000
# Per record: the other variants this requester used in the window, and whether it used this one.
PROBE_COUNT_SQL = """
SELECT ref, count(*) FILTER (WHERE variant <> ?), bool_or(variant = ?) FROM probe_variants
WHERE requester = ? AND ref = ANY(?) AND used_at >= extract(epoch FROM clock_timestamp()) - ?
GROUP BY ref
"""
PROBE_RECORD_SQL = """
INSERT INTO probe_variants (requester, ref, variant, used_at)
VALUES (?, ?, ?, extract(epoch FROM clock_timestamp()))
ON CONFLICT (requester, ref, variant) DO UPDATE SET used_at = EXCLUDED.used_at
"""
FORGET_PROBES_SQL = "DELETE FROM probe_variants WHERE used_at < extract(epoch FROM clock_timestamp()) - ?"


class SharedLimitsUnavailable(Exception):
    """The database holding the shared limits cannot be asked."""


class _Shared:
    """A thread and a connection of its own to the country's database, for statements the event loop awaits."""

    def __init__(self, database: PostgresDatabase, name: str) -> None:
        self.database = database
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._application = f"fedgate-{name}"
        self._connection: PgConnection | None = None
        self._lock = threading.Lock()

    async def _run(self, work: Callable[[PgConnection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._work, work)

    def _work(self, work: Callable[[PgConnection], T]) -> T:
        try:
            return work(self._connected())
        except DATABASE_ERRORS as error:
            self._drop()
            raise SharedLimitsUnavailable(f"limits in {self.database} cannot be read: {error}") from error

    def _connected(self) -> PgConnection:
        with self._lock:
            if self._connection is None or self._connection.broken:
                connection = pg_connect(self.database, application=self._application)
                try:
                    with_schema_lock(connection, PG_LIMITS_LOCK, SCHEMA_SQL)
                except DATABASE_ERRORS:
                    connection.close()
                    raise
                self._connection = connection
            return self._connection

    def _drop(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._drop()


class SharedRateLimiter(_Shared):
    """`acquire` as RateLimiter's, on the country's database."""

    def __init__(self, database: PostgresDatabase, limit: int, window_s: float) -> None:
        super().__init__(database, "rates")
        self.limit = limit
        self.window_s = window_s
        self._rate = limit / window_s
        self._acquired = 0

    async def acquire(self, key: str, cost: int = 1) -> float:
        """0 when allowed (and counted); otherwise the seconds until `cost` tokens would be there."""
        limit, rate = float(self.limit), self._rate
        first_allowed = limit >= cost
        first_tokens = limit - cost if first_allowed else limit
        parameters = (key, first_tokens, first_allowed, limit, rate, limit, rate, cost, cost, limit, rate, cost)

        def work(connection: PgConnection) -> tuple[bool, float]:
            row = connection.execute(ACQUIRE_SQL, parameters).fetchone()
            self._acquired += 1
            if self._acquired % FORGET_EVERY == 0:
                connection.execute(FORGET_SQL, (self.window_s,))
            return bool(row[0]), float(row[1])

        allowed, tokens = await self._run(work)
        return 0.0 if allowed else (cost - tokens) / rate


class SharedProbeBudget(_Shared):
    """`admit` as ProbeBudget's, on the country's database (its clock; no `now`)."""

    def __init__(self, database: PostgresDatabase, variants_per_record: int, window_s: float) -> None:
        super().__init__(database, "probes")
        self.variants_per_record = variants_per_record
        self.window_s = window_s
        self._admitted = 0

    async def admit(self, requester: str, variant: str, record_refs: Iterable[str]) -> list[str]:
        """The refs whose budget this search would exceed (then nothing is recorded); [] once it is recorded."""
        refs = list(dict.fromkeys(record_refs))
        return await self._run(lambda connection: self._admit(connection, requester, variant, refs))

    def _admit(self, connection: PgConnection, requester: str, variant: str, refs: list[str]) -> list[str]:
        connection.execute("BEGIN")
        try:
            connection.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (PG_PROBE_LOCK_CLASS, requester))
            rows = connection.execute(PROBE_COUNT_SQL, (variant, variant, requester, refs, self.window_s)).fetchall()
            over = [ref for ref, others, known in rows if not known and others >= self.variants_per_record]
            if not over:
                connection.executemany(PROBE_RECORD_SQL, [(requester, ref, variant) for ref in refs])
            self._admitted += 1
            if self._admitted % FORGET_EVERY == 0:
                connection.execute(FORGET_PROBES_SQL, (self.window_s,))
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return sorted(over, key=refs.index)


__all__ = ["SharedLimitsUnavailable", "SharedProbeBudget", "SharedRateLimiter"]
