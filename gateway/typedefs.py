"""Typed keys for the gateway's application and request state."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.api import SearchRequest
from gateway.auth import Investigator, TokenVerifier
from gateway.config import GatewayConfig
from gateway.limits import RateLimits
from gateway.metrics import GatewayMetrics
from gateway.nodes import NodeClient

CONFIG = web.AppKey("config", GatewayConfig)
VERIFIER = web.AppKey("verifier", TokenVerifier)
NODES = web.AppKey("nodes", dict[str, NodeClient])
METRICS = web.AppKey("metrics", GatewayMetrics)
API_DESCRIPTION = web.AppKey("api_description", dict[str, Any])
# The configuration's search body (gateway.api.search_request_model), built once.
SEARCH_REQUEST: web.AppKey[type[SearchRequest]] = web.AppKey("search_request")
RATE_LIMITS: web.AppKey[RateLimits] = web.AppKey("rate_limits")
WEB_ASSETS = web.AppKey("web_assets", dict[str, tuple[bytes, str]])
INVESTIGATOR = web.RequestKey("investigator", Investigator)
