"""The one way the node ends a call with an error: a gRPC status code, a reason from a closed set, a message."""

from __future__ import annotations

import math
from typing import Any, NoReturn

import grpc
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.rpc.error_details_pb2 import ErrorInfo, RetryInfo
from google.rpc.status_pb2 import Status
from grpc_status import rpc_status

from fedcore.vocabulary import ERROR_DOMAIN, ErrorReason


def error_status(
    code: grpc.StatusCode,
    reason: ErrorReason,
    message: str,
    retry_after_s: float | None = None,
) -> grpc.Status:
    """The status with google.rpc.ErrorInfo (and RetryInfo when the caller may retry after a delay) attached."""
    details: list[Message] = [ErrorInfo(reason=reason, domain=ERROR_DOMAIN)]
    if retry_after_s is not None:
        # Whole milliseconds, rounded up: a caller that waits exactly this long is not refused again.
        delay = Duration()
        delay.FromMilliseconds(max(math.ceil(retry_after_s * 1000), 0))
        details.append(RetryInfo(retry_delay=delay))
    status_code: int = code.value[0]  # gRPC's numbering, which google.rpc.Code shares
    rpc = Status(code=status_code, message=message)
    for detail in details:
        rpc.details.add().Pack(detail)
    status: grpc.Status = rpc_status.to_status(rpc)
    return status


async def abort(
    context: grpc.aio.ServicerContext[Any, Any],
    code: grpc.StatusCode,
    reason: ErrorReason,
    message: str,
    retry_after_s: float | None = None,
) -> NoReturn:
    """Ends the call: the caller's code branches on `code` and `reason`; `message` is for the operator's log."""
    # grpc-stubs leave out the aio context's abort_with_status, which grpc.aio has had since 1.30.
    await context.abort_with_status(error_status(code, reason, message, retry_after_s))  # type: ignore[attr-defined]
    raise AssertionError("unreachable: abort_with_status raises")


__all__ = ["abort", "error_status"]
