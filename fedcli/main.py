"""`fedgate` command-line entry point."""

from __future__ import annotations

import argparse
import sys

from fedcli import demo, policy, trust
from fedcore import SOFTWARE_VERSION
from gateway import cli as gateway_cli
from node import cli as node_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fedgate", description="Federated police record search that respects national custody."
    )
    parser.add_argument("--version", action="version", version=f"fedgate {SOFTWARE_VERSION}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    node_cli.add_commands(subparsers)
    gateway_cli.add_commands(subparsers)
    demo.add_command(subparsers)
    trust.add_commands(subparsers)
    policy.add_commands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (*node_cli.HANDLED_ERRORS, *gateway_cli.HANDLED_ERRORS, *policy.HANDLED_ERRORS) as error:
        print(f"fedgate: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
