"""Changing the records while the node serves: imports with deletions, one-off deletions and the purge of
expired records, each in the audit chain before it is committed (what was changed, never record values)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from node.audit import append_now
from node.config import NodeConfig
from node.store import ImportReport, import_lines, purge_expired, today


def import_audited(
    config: NodeConfig, lines: Iterable[str], *, source: str, skip_invalid: bool, workers: int = 1
) -> ImportReport:
    """Applies a stream of entities and deletions in one transaction, audited as one entry: the source's name
    and SHA-256, how many records were written, the references of those deleted. `workers` processes check
    the lines (node.store.checking)."""

    def audit(report: ImportReport) -> None:
        append_now(
            config.audit_log,
            {
                "kind": "records_import",
                "source": source,
                "source_sha256": report.digest,
                "imported": report.imported,
                "deleted": report.deleted,
                "deletions_not_held": report.not_held,
                "bad_lines_skipped": len(report.bad_lines),
            },
        )

    if isinstance(config.store, Path):
        config.store.parent.mkdir(parents=True, exist_ok=True)
    return import_lines(config.store, lines, skip_invalid=skip_invalid, before_commit=audit, workers=workers)


def delete_audited(config: NodeConfig, entity_ids: list[str]) -> ImportReport:
    """Deletes records by entity id, in one transaction and one audit entry."""

    def audit(report: ImportReport) -> None:
        append_now(
            config.audit_log,
            {"kind": "records_delete", "deleted": report.deleted, "deletions_not_held": report.not_held},
        )

    lines = (json.dumps({"op": "DEL", "entity": {"id": entity_id}}) for entity_id in entity_ids)
    return import_lines(config.store, lines, skip_invalid=False, before_commit=audit)


def purge_audited(config: NodeConfig) -> list[str]:
    """Deletes the records past their expiry day; one audit entry names them (none when nothing expired)."""
    day = today()

    def audit(refs: list[str]) -> None:
        append_now(config.audit_log, {"kind": "records_purge", "day": day, "purged": refs})

    return purge_expired(config.store, day, audit)
