"""The gateway's API errors, each with its HTTP status and a stable code.

ApiError
├── BadRequest          400  the body or a parameter is wrong; the message names the field
│   └── BadBatch        400  queries of a screening batch are wrong; each is named by its index
├── Unauthorized        401  no valid investigator token
├── Forbidden           403  the token does not grant what is asked
├── NotFound            404  no such route
├── MethodNotAllowed    405  the route exists, the method does not
├── RequestTimeout      408  the body did not arrive in time; the connection is closed
├── PayloadTooLarge     413  the body exceeds the configured size
├── UnsupportedMedia    415  the body is not JSON
└── ServiceUnavailable  503  the gateway cannot serve now (no node reachable)
"""

from __future__ import annotations

from typing import Any

from gateway.api import Error, ErrorDetail, QueryProblem


class ApiError(Exception):
    """An error answered as {"error": {"code", "message"}} with its HTTP status."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def body(self) -> dict[str, Any]:
        return Error(error=ErrorDetail(code=self.code, message=self.message)).document()


class BadRequest(ApiError):
    """The body or a parameter is wrong; the message names the field."""

    status = 400
    code = "bad_request"


class BadBatch(BadRequest):
    """Queries of a screening batch are wrong: the batch is refused as a whole, each bad query named by its index."""

    code = "invalid_queries"

    def __init__(self, problems: list[QueryProblem]) -> None:
        indices = ", ".join(str(problem.index) for problem in problems)
        super().__init__(f"queries: {len(problems)} invalid (index {indices}); nothing was searched")
        self.problems = problems

    def body(self) -> dict[str, Any]:
        detail = ErrorDetail(code=self.code, message=self.message, queries=self.problems)
        return Error(error=detail).document()


class Unauthorized(ApiError):
    """No valid investigator token."""

    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    """The token does not grant what is asked."""

    status = 403
    code = "forbidden"


class NotFound(ApiError):
    """No such route."""

    status = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    """The route exists, the method does not."""

    status = 405
    code = "method_not_allowed"


class RequestTimeout(ApiError):
    """The body did not arrive within body_timeout_s; the connection is closed."""

    status = 408
    code = "body_timeout"


class PayloadTooLarge(ApiError):
    """The body exceeds the configured size."""

    status = 413
    code = "payload_too_large"


class UnsupportedMedia(ApiError):
    """The body is not JSON."""

    status = 415
    code = "unsupported_media_type"


class TooManyRequests(ApiError):
    """A rate limit is reached; Retry-After says when to come back."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ServiceUnavailable(ApiError):
    """The gateway cannot serve now."""

    status = 503
    code = "service_unavailable"
