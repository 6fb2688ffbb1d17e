"""The node's record store: FollowTheMoney entities with a blocking-key index, in one SQLite file (WAL, the
embedded default) or a PostgreSQL database (node.pgsql); the same statements and the same Python on both.

`records` is what is stored and how the file is opened, `checking` checks import lines, `importing` loads
records, `search` finds candidates.
"""

from node.store.checking import MAX_ENTITY_ID_LENGTH, MAX_VALUE_LENGTH, InvalidEntity, validate_entity
from node.store.importing import ImportReport, import_lines, purge_expired
from node.store.records import (
    Candidates,
    Connection,
    StoredRecord,
    StoreError,
    connect,
    known_schema,
    record_from_row,
    records_by_ref,
    today,
)
from node.store.search import IDENTIFIER_WEIGHT, STORE_THREADS, Store, StoreBusy

__all__ = [
    "IDENTIFIER_WEIGHT",
    "MAX_ENTITY_ID_LENGTH",
    "MAX_VALUE_LENGTH",
    "STORE_THREADS",
    "Candidates",
    "Connection",
    "ImportReport",
    "InvalidEntity",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoredRecord",
    "connect",
    "import_lines",
    "known_schema",
    "purge_expired",
    "record_from_row",
    "records_by_ref",
    "today",
    "validate_entity",
]
