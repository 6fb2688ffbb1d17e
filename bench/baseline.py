"""The floor: N trivial grpc.aio servers answering a fixed SearchResponse, and a bare fan-out client.

python -m bench.baseline serve --count 8 --ready-file ready.json   (the servers, in one process)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path

import grpc

from fedgate.v1 import node_pb2 as pb
from fedgate.v1 import node_pb2_grpc as pb_grpc

FIXED = pb.SearchResponse(country="ZZ", outcome=pb.SEARCH_OUTCOME_NO_HIT, policy_revision="fixed")


class FixedNode(pb_grpc.NodeServicer):
    async def Search(self, request: pb.SearchRequest, context: grpc.aio.ServicerContext) -> pb.SearchResponse:  # type: ignore[type-arg]
        return FIXED

    async def Describe(self, request: pb.DescribeRequest, context: grpc.aio.ServicerContext) -> pb.DescribeResponse:  # type: ignore[type-arg]
        return pb.DescribeResponse()

    async def Screen(self, request: pb.ScreenRequest, context: grpc.aio.ServicerContext) -> pb.ScreenResponse:  # type: ignore[type-arg]
        return pb.ScreenResponse(answers=[FIXED] * len(request.queries))

    async def FollowUp(self, request: pb.FollowUpRequest, context: grpc.aio.ServicerContext) -> pb.FollowUpAnswer:  # type: ignore[type-arg]
        return pb.FollowUpAnswer(country="ZZ")

    async def FollowUpStatus(
        self,
        request: pb.FollowUpStatusRequest,
        context: grpc.aio.ServicerContext,  # type: ignore[type-arg]
    ) -> pb.FollowUpAnswer:
        return pb.FollowUpAnswer(country="ZZ")


async def serve(count: int, ready_file: Path) -> None:
    servers = []
    addresses = []
    for _ in range(count):
        server = grpc.aio.server()
        pb_grpc.add_NodeServicer_to_server(FixedNode(), server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        servers.append(server)
        addresses.append(f"127.0.0.1:{port}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    ready_file.with_suffix(".partial").write_text(json.dumps(addresses))
    ready_file.with_suffix(".partial").replace(ready_file)
    await stop.wait()
    await asyncio.gather(*(server.stop(0) for server in servers))


class FanOut:
    """The cheapest client that does the gateway's network work: one reused channel per server, gather."""

    def __init__(self, addresses: list[str]) -> None:
        self.channels = [grpc.aio.insecure_channel(address) for address in addresses]
        self.stubs = [pb_grpc.NodeStub(channel) for channel in self.channels]
        self.request = pb.SearchRequest(
            query_id="bench", purpose=pb.PURPOSE_TERRORISM, query=pb.EntityQuery(schema="Person")
        )

    async def __call__(self) -> None:
        await asyncio.gather(*(stub.Search(self.request, timeout=5) for stub in self.stubs))

    async def close(self) -> None:
        await asyncio.gather(*(channel.close(None) for channel in self.channels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["serve"])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--ready-file", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.count, args.ready_file))


if __name__ == "__main__":
    main()
