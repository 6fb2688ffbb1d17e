"""`fedgate node follow-ups list|show|decide`: the country's officer reviews and decides the follow-ups filed with
its node, beside the serving node (they share the queue and the audit chain)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from fedcore.answers import hit_document
from fedcore.vocabulary import FOLLOW_UP_STATES, OFFICER_REFUSALS
from node.audit import AuditError, open_for_reading
from node.audit_hits import notifications
from node.config import load_node_config
from node.decisions import PolicyUnavailable
from node.followups.officer import DecisionError, OfficerDecision, decide_follow_up
from node.followups.queue import (
    CLOSED_STATES,
    PENDING,
    FollowUp,
    FollowUpQueue,
    QueueError,
    follow_ups_location,
    now_utc,
)
from node.pgsql import DATABASE_ERRORS
from node.store import StoreError

LISTED_STATES = sorted(FOLLOW_UP_STATES)
T = TypeVar("T")


def add_follow_up_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("follow-ups", help="review and decide follow-ups filed after hits (audited)")
    follow_ups = parser.add_subparsers(dest="follow_ups_command", required=True)

    list_parser = follow_ups.add_parser("list", help="follow-ups by state, the soonest due first")
    list_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    list_parser.add_argument("--state", choices=LISTED_STATES, help="only this state (default: pending and overdue)")
    list_parser.add_argument("--json", action="store_true", help="one JSON object per line")
    list_parser.set_defaults(handler=run_list)

    show_parser = follow_ups.add_parser("show", help="one follow-up in full: request, reasons, decision")
    show_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    show_parser.add_argument("id", help="the follow-up's id")
    show_parser.set_defaults(handler=run_show)

    decide_parser = follow_ups.add_parser("decide", help="approve properties (the policy then decides) or refuse")
    decide_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    decide_parser.add_argument("id", help="the follow-up's id")
    choice = decide_parser.add_mutually_exclusive_group(required=True)
    choice.add_argument("--approve", help="comma-separated properties of those asked for")
    choice.add_argument("--refuse", choices=sorted(OFFICER_REFUSALS), help="refuse, with this reason")
    decide_parser.add_argument("--note", default="", help="the officer's note, kept on the node only")
    decide_parser.add_argument("--officer", default=None, help="who decides (default: the logged-in user)")
    decide_parser.set_defaults(handler=run_decide)

    notifications_parser = commands.add_parser(
        "notifications", help="hits on records flagged for notification: who looked for them, when, why"
    )
    notifications_parser.add_argument("--config", type=Path, required=True, help="node.toml")
    notifications_parser.add_argument("--since", default="", help="ISO 8601 UTC (default: the last 7 days)")
    notifications_parser.add_argument("--json", action="store_true", help="one JSON object per line")
    notifications_parser.set_defaults(handler=run_notifications)


def summary(follow_up: FollowUp) -> dict[str, Any]:
    return {
        "id": follow_up.id,
        "state": follow_up.shown_state(now_utc()),
        "requester": follow_up.requester,
        "record_ref": follow_up.record_ref,
        "urgency": follow_up.urgency,
        "legal_basis": follow_up.legal_basis,
        "requested": follow_up.requested,
        "filed_at": follow_up.filed_at,
        "due_at": follow_up.due_at,
    }


def detail(follow_up: FollowUp) -> dict[str, Any]:
    return {
        **summary(follow_up),
        "purpose": follow_up.purpose,
        "case_reference": follow_up.case_reference,
        "reasons": follow_up.reasons,
        "expires_at": follow_up.expires_at,
        "refusal": follow_up.refusal,
        "policy_refusal_reason": follow_up.policy_refusal_reason,
        "officer_refusal": follow_up.officer_refusal,
        "duplicate_of": follow_up.duplicate_of,
        "decided_at": follow_up.decided_at,
        "officer": follow_up.officer,
        "approved": follow_up.approved,
        "officer_note": follow_up.officer_note,
        "released": hit_document(follow_up.released) if follow_up.released is not None else None,
        "policy_revision": follow_up.policy_revision,
        "collected_at": follow_up.collected_at,
    }


def _read(args: argparse.Namespace, work: Callable[[FollowUpQueue], T]) -> T | None:
    """What `work` reads from the node's queue; None (the problem printed) when the queue cannot be read."""
    try:
        queue = FollowUpQueue(follow_ups_location(load_node_config(args.config).audit_log))
        try:
            return work(queue)
        finally:
            queue.close()
    except QueueError as error:
        print(error, file=sys.stderr)
        return None


def run_list(args: argparse.Namespace) -> int:
    stored = frozenset({PENDING}) if args.state in (None, "pending", "overdue") else CLOSED_STATES & {args.state}
    listed = _read(args, lambda queue: queue.listing(stored))
    if listed is None:
        return 1
    rows = [summary(item) for item in listed]
    if args.state in ("pending", "overdue"):
        rows = [row for row in rows if row["state"] == args.state]
    if args.json:
        for row in rows:
            print(json.dumps(row, sort_keys=True))
        return 0
    if not rows:
        print("no follow-ups")
    for row in rows:
        requester = row["requester"]
        print(
            f"{row['id']}  {row['state']:<8} due {row['due_at']}  {row['urgency']:<6} "
            f"{requester['country']}/{requester['agency']}  record {row['record_ref']}  "
            f"asks {','.join(row['requested'])}"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    found = _read(args, lambda queue: [queue.get(args.id)])
    if found is None:
        return 1
    follow_up = found[0]
    if follow_up is None:
        print(f"no follow-up {args.id} in this node's queue", file=sys.stderr)
        return 1
    print(json.dumps(detail(follow_up), indent=2, sort_keys=True, ensure_ascii=False))
    return 0


def run_decide(args: argparse.Namespace) -> int:
    config = load_node_config(args.config)
    approve = tuple(name.strip() for name in (args.approve or "").split(",") if name.strip())
    if args.approve is not None and not approve:
        print("--approve names no property", file=sys.stderr)
        return 2
    decision = OfficerDecision(
        officer=args.officer or getpass.getuser(), approve=approve, refuse=args.refuse or "", note=args.note
    )
    try:
        follow_up = decide_follow_up(config, args.id, decision)
    except DecisionError as error:
        print(f"{error}; nothing decided", file=sys.stderr)
        return 1
    except PolicyUnavailable as error:
        print(f"the country's policy could not be asked ({error}); nothing decided or released", file=sys.stderr)
        return 1
    except (AuditError, QueueError, StoreError) as error:
        print(f"{error}; nothing decided or released", file=sys.stderr)
        return 1
    released = hit_document(follow_up.released) if follow_up.released is not None else None
    if follow_up.state == "released" and released is not None:
        print(
            f"{follow_up.id}: released {sorted(released['properties']) or 'nothing'}; withheld {released['withheld']}"
        )
    else:
        reason = follow_up.officer_refusal or follow_up.policy_refusal_reason or follow_up.refusal
        print(f"{follow_up.id}: refused ({reason})")
    return 0


def run_notifications(args: argparse.Namespace) -> int:
    """The officer's notification queue, read from the audit chain's index of it (node.audit_hits)."""
    config = load_node_config(args.config)
    since = args.since or (now_utc() - timedelta(days=7)).isoformat(timespec="microseconds")
    try:
        connection = open_for_reading(config.audit_log)
        try:
            rows = notifications(connection, since)
        finally:
            connection.close()
    except DATABASE_ERRORS as error:
        print(f"the audit log {config.audit_log} cannot be read: {error}", file=sys.stderr)
        return 1
    for row in rows:
        if args.json:
            print(json.dumps(row, sort_keys=True))
        else:
            who = row["requester"]
            print(
                f"{row['recorded_at']}  record {row['record_ref']}  hit for {who.get('country')}/{who.get('agency')}"
                f" ({who.get('investigator')}), purpose {row['purpose']}, audit entry {row['audit_seq']}"
            )
    if not rows and not args.json:
        print("no notifications")
    return 0
