"""The screening API (/v1/screen) as pydantic models: its NDJSON lines, each query's part built from a search's.

The request body's schema is the search body's (gateway.openapi writes it from the configuration's
SearchRequest): its `schema` and `properties` per query, its `purpose`, `countries`, `limit` and `timeout_ms`
for the whole batch.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, RootModel

from gateway.api import ApiModel, Country, CountryResult, Hit, SearchOutcome


class ScreenCountryAnswer(CountryResult):
    """One country's answer to one query of the batch: exactly what a search of that query gets from it."""

    index: int = Field(ge=0, description="The query's place in the batch, from 0.")
    query_id: str
    results: list[Hit] = Field(description="That query's hits from this country, best first; never another's.")


class ScreenCountryLine(ApiModel):
    """A line of /v1/screen: one country's answers to every query of the batch, as it arrives."""

    type: Literal["country"]
    batch_id: str
    country: Country
    latency_ms: float = Field(ge=0)
    answers: list[ScreenCountryAnswer] = Field(description="One per query, in the batch's order.")


class ScreenQueryOutcome(SearchOutcome):
    """One query's outcome: what a /v1/search answer of it says besides its results, signed by the gateway
    for that query alone. With the query's results from the country lines, it is a /v1/search answer that
    `fedgate verify` checks."""

    index: int = Field(ge=0)
    hits: int = Field(ge=0)


class ScreenSummaryLine(ApiModel):
    """The last line of /v1/screen."""

    type: Literal["summary"]
    batch_id: str
    purpose: str
    requested: list[Country]
    latency_ms: float = Field(ge=0)
    hits: int = Field(ge=0, description="Hits over every query and country.")
    queries: list[ScreenQueryOutcome] = Field(description="One per query, in the batch's order.")


class ScreenLine(RootModel[Annotated[ScreenCountryLine | ScreenSummaryLine, Field(discriminator="type")]]):
    """A line of /v1/screen (NDJSON)."""
