"""Several country nodes in one process (benchmark layouts above 16 countries).

python -m bench.nodes --ready-file ready.json node-fr.toml node-de.toml …
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path

from fedcore.logs import configure_logging
from node.config import load_node_config
from node.server import start_node


async def serve(configs: list[Path], ready_file: Path) -> None:
    nodes = [await start_node(load_node_config(path)) for path in configs]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    partial = ready_file.with_suffix(".partial")
    partial.write_text(
        json.dumps({node.config.country: {"grpc": node.address, "metrics_url": node.metrics_url} for node in nodes})
    )
    partial.replace(ready_file)
    try:
        await stop.wait()
    finally:
        await asyncio.gather(*(node.stop(1) for node in nodes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("configs", type=Path, nargs="+")
    args = parser.parse_args()
    configure_logging("warning")
    asyncio.run(serve(args.configs, args.ready_file))


if __name__ == "__main__":
    main()
