"""The Node service's gRPC handler: requests decoded here, so that undecodable bytes get INVALID_ARGUMENT."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError, Message

from fedgate.v1 import node_pb2 as pb
from node.errors import abort
from node.service import NODE_SERVICE, NodeService


def node_rpc_handler(service: NodeService) -> grpc.GenericRpcHandler[Any, Any]:
    """The Node service with requests decoded here, so that undecodable bytes get INVALID_ARGUMENT, not INTERNAL."""

    def decoded(
        message: type[Message], method: Callable[[Any, Any], Awaitable[Message]]
    ) -> Callable[[bytes, Any], Awaitable[Message]]:
        async def handle(raw: bytes, context: grpc.aio.ServicerContext) -> Message:  # type: ignore[type-arg]
            try:
                request = message.FromString(raw)
            except DecodeError:
                service.metrics.invalid_requests.inc()
                await abort(
                    context,
                    grpc.StatusCode.INVALID_ARGUMENT,
                    "REQUEST_UNDECODABLE",
                    f"the request is not a {message.DESCRIPTOR.full_name} message",
                )
            return await method(request, context)

        return handle

    def unary(message: type[Message], response: type[Message], method: Any) -> grpc.RpcMethodHandler[Any, Any]:
        return grpc.unary_unary_rpc_method_handler(
            decoded(message, method), request_deserializer=None, response_serializer=response.SerializeToString
        )

    return grpc.method_handlers_generic_handler(
        NODE_SERVICE,
        {
            "Search": unary(pb.SearchRequest, pb.SearchResponse, service.Search),
            "Describe": unary(pb.DescribeRequest, pb.DescribeResponse, service.Describe),
            "Screen": unary(pb.ScreenRequest, pb.ScreenResponse, service.Screen),
            "FollowUp": unary(pb.FollowUpRequest, pb.FollowUpAnswer, service.FollowUp),
            "FollowUpStatus": unary(pb.FollowUpStatusRequest, pb.FollowUpAnswer, service.FollowUpStatus),
        },
    )
