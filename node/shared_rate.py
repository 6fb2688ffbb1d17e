"""A requester's rate limit shared by every node process of a country on one PostgreSQL database.

The same token bucket as fedcore.ratelimit.RateLimiter (`limit` per `window_s`, refilled continuously), kept in a
row per requester and taken in one statement, so two processes behind a load balancer give a requester one
allowance, not two. The database's clock is the one clock. A database that cannot be asked admits nothing: the
store and audit log live in it too, so the search could not be answered anyway.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from node.pgsql import DATABASE_ERRORS, PgConnection, PostgresDatabase, pg_connect, with_schema_lock

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS requester_rates (
    requester TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    allowed BOOLEAN NOT NULL
)
"""
PG_RATES_LOCK = 0x66656414

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


class SharedRateUnavailable(Exception):
    """The database holding the shared rate limits cannot be asked."""


class SharedRateLimiter:
    """`acquire` as RateLimiter's, on the country's database; its statements run in a thread of its own."""

    def __init__(self, database: PostgresDatabase, limit: int, window_s: float) -> None:
        self.database = database
        self.limit = limit
        self.window_s = window_s
        self._rate = limit / window_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rates")
        self._connection: PgConnection | None = None
        self._lock = threading.Lock()
        self._acquired = 0

    async def acquire(self, key: str, cost: int = 1) -> float:
        """0 when allowed (and counted); otherwise the seconds until `cost` tokens would be there."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._acquire, key, cost)

    def _acquire(self, key: str, cost: int) -> float:
        limit, rate = float(self.limit), self._rate
        first_allowed = limit >= cost
        first_tokens = limit - cost if first_allowed else limit
        parameters = (key, first_tokens, first_allowed, limit, rate, limit, rate, cost, cost, limit, rate, cost)
        try:
            connection = self._connected()
            row = connection.execute(ACQUIRE_SQL, parameters).fetchone()
            self._acquired += 1
            if self._acquired % FORGET_EVERY == 0:
                connection.execute(FORGET_SQL, (self.window_s,))
        except DATABASE_ERRORS as error:
            self._drop()
            raise SharedRateUnavailable(f"rate limits in {self.database} cannot be read: {error}") from error
        allowed, tokens = row
        return 0.0 if allowed else (cost - tokens) / rate

    def _connected(self) -> PgConnection:
        with self._lock:
            if self._connection is None or self._connection.broken:
                connection = pg_connect(self.database, application="fedgate-rates")
                try:
                    with_schema_lock(connection, PG_RATES_LOCK, SCHEMA_SQL)
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


__all__ = ["SharedRateLimiter", "SharedRateUnavailable"]
