"""`fedgate pki init|issue` (a local federation CA and certificates) and `fedgate verify` (signed answers)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fedcore.answers import verify_saved_answer
from fedcore.keys import KeyFileProblem, generate_signing_key, load_public_keys, write_secret_file
from fedcore.pki import init_ca, issue_certificate, issue_https_certificate
from fedcore.vocabulary import is_country_code


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pki = subparsers.add_parser("pki", help="a federation CA, certificates and signing keys for local use")
    commands = pki.add_subparsers(dest="pki_command", required=True)
    init = commands.add_parser("init", help="create the federation CA (ca.pem, ca.key)")
    init.add_argument("--dir", type=Path, required=True, help="where the CA lives")
    init.add_argument("--days", type=int, default=3650)
    init.set_defaults(handler=run_init)

    issue = commands.add_parser("issue", help="issue a node's or the gateway's TLS certificate")
    who = issue.add_mutually_exclusive_group(required=True)
    who.add_argument("--node", metavar="COUNTRY", help="a node certificate naming this country")
    who.add_argument("--gateway", action="store_true", help="the gateway's client certificate")
    who.add_argument(
        "--https", action="store_true", help="the server certificate of the gateway's HTTPS API (for --host names)"
    )
    issue.add_argument("--dir", type=Path, required=True, help="the CA's directory")
    issue.add_argument("--out", type=Path, help="where to write the certificate and key (default: --dir)")
    issue.add_argument("--host", action="append", default=[], help="extra DNS name or IP address (repeatable)")
    issue.add_argument("--days", type=int, default=365)
    issue.set_defaults(handler=run_issue)

    keygen = commands.add_parser("signing-key", help="an Ed25519 key for signing answers or assertions")
    keygen.add_argument("--key-id", required=True, help="the key's id, e.g. fr-2026-11")
    keygen.add_argument("--out", type=Path, required=True, help="writes <key id>.pem and <key id>.pub.pem here")
    keygen.set_defaults(handler=run_signing_key)

    verify = subparsers.add_parser("verify", help="check a saved /v1/search answer against the countries' keys")
    verify.add_argument("answer", type=Path, help="the saved JSON answer")
    verify.add_argument("--keys", type=Path, required=True, help="directory of <key id>.pub.pem files")
    verify.set_defaults(handler=run_verify)


def run_init(args: argparse.Namespace) -> int:
    files = init_ca(args.dir, days=args.days)
    print(f"wrote {files.certificate} and {files.key}")
    return 0


def run_issue(args: argparse.Namespace) -> int:
    country = args.node.upper() if args.node else None
    if country is not None and not is_country_code(country):
        print(f"fedgate: --node {args.node!r} is not an ISO 3166-1 alpha-2 code", file=sys.stderr)
        return 2
    hosts = args.host or ["127.0.0.1", "localhost"]
    if args.https:
        files = issue_https_certificate(args.dir, args.out or args.dir, hosts=hosts, days=args.days)
    else:
        files = issue_certificate(args.dir, args.out or args.dir, country=country, hosts=hosts, days=args.days)
    print(f"wrote {files.certificate} and {files.key}")
    return 0


def run_signing_key(args: argparse.Namespace) -> int:
    private_pem, public_pem = generate_signing_key()
    args.out.mkdir(parents=True, exist_ok=True)
    private_path, public_path = args.out / f"{args.key_id}.pem", args.out / f"{args.key_id}.pub.pem"
    write_secret_file(private_path, private_pem)
    public_path.write_bytes(public_pem)
    print(f"wrote {private_path} and {public_path}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    try:
        answer = json.loads(args.answer.read_text(encoding="utf-8"))
        keys = load_public_keys(args.keys)
    except (OSError, json.JSONDecodeError, KeyFileProblem) as error:
        print(f"fedgate verify: {error}", file=sys.stderr)
        return 2
    verdicts = verify_saved_answer(answer, keys)
    for country, verdict in verdicts.items():
        print(f"{country}: {verdict}")
    return 1 if any(verdict == "altered" or verdict.startswith("unknown key") for verdict in verdicts.values()) else 0
