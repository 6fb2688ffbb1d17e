"""The node's record store: FollowTheMoney entities in one SQLite file (WAL) with a blocking-key index.

`records` is what is stored and how the file is opened, `importing` loads records, `search` finds candidates.
"""

from node.store.importing import (
    MAX_ENTITY_ID_LENGTH,
    MAX_VALUE_LENGTH,
    ImportReport,
    InvalidEntity,
    import_lines,
    purge_expired,
    validate_entity,
)
from node.store.records import (
    Candidates,
    StoredRecord,
    StoreError,
    connect,
    known_schema,
    record_from_row,
    records_by_ref,
    today,
)
from node.store.search import IDENTIFIER_WEIGHT, STORE_THREADS, Store

__all__ = [
    "IDENTIFIER_WEIGHT",
    "MAX_ENTITY_ID_LENGTH",
    "MAX_VALUE_LENGTH",
    "STORE_THREADS",
    "Candidates",
    "ImportReport",
    "InvalidEntity",
    "Store",
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
