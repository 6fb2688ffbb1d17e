"""Oracle attacks at a real node with France's real policy: varying a property the requester may not match on
learns nothing, and a requester who keeps trying new variants against one record is refused, audited, counted."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

from fedgate.v1 import node_pb2 as pb
from node.server import RunningNode
from tests.conftest import node_client, search_request

NAME = {"name": ["Ivan Petrov"]}


async def search(node: RunningNode, request: pb.SearchRequest) -> pb.SearchResponse:
    async with node_client(node.address) as client:
        return await client.Search(request, timeout=10)


def last_audit_body(node: RunningNode) -> dict[str, object]:
    connection = sqlite3.connect(node.config.audit_path)
    try:
        (body,) = connection.execute("SELECT body FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        connection.close()
    result: dict[str, object] = json.loads(body)
    return result


def comparable(response: pb.SearchResponse) -> list[tuple[str, int, bool, int]]:
    return [(hit.record_ref, hit.disclosure, hit.HasField("score"), hit.score_band) for hit in response.hits]


async def test_the_20th_distinct_birth_date_against_one_record_is_refused_audited_and_counted(
    fr_node: RunningNode,
) -> None:
    # France answers the UAE hit-only: the birth date is withheld, so it may not move the answer either.
    days = [(date(1975, 3, 20) + timedelta(days=n)).isoformat() for n in range(20)]
    assert "1975-04-02" in days  # the record's own birth date is among those tried
    answers = [
        await search(fr_node, search_request({**NAME, "birthDate": [day]}, country="AE", purpose="terrorism"))
        for day in days[:19]
    ]
    assert {answer.outcome for answer in answers} == {pb.SEARCH_OUTCOME_HIT}
    assert len({json.dumps(comparable(answer)) for answer in answers}) == 1  # the true date changes nothing
    target = answers[0].hits[0].record_ref

    refused = await search(
        fr_node, search_request({**NAME, "birthDate": [days[19]]}, country="AE", purpose="terrorism")
    )
    assert refused.outcome == pb.SEARCH_OUTCOME_REFUSED
    assert refused.refusal_reason == pb.REFUSAL_REASON_PROBE_BUDGET_EXCEEDED
    assert list(refused.hits) == []
    audited = last_audit_body(fr_node)
    assert audited["outcome"] == "refused"
    assert audited["refusal_reason"] == "probe_budget_exceeded"
    assert audited["records"] == [{"ref": target, "disclosure": "none", "probe_budget_exceeded": True}]
    registry = fr_node.metrics.registry
    assert registry.get_sample_value("fedgate_node_probe_refusals_total", {"requester_country": "AE"}) == 1

    # A search already made is not a new variant; another investigator has a budget of their own.
    again = await search(fr_node, search_request({**NAME, "birthDate": [days[0]]}, country="AE", purpose="terrorism"))
    assert again.outcome == pb.SEARCH_OUTCOME_HIT
    other = await search(fr_node, search_request({**NAME, "birthDate": [days[19]]}, country="DE", purpose="terrorism"))
    assert other.outcome == pb.SEARCH_OUTCOME_HIT


async def test_query_shapes_that_only_serve_probing_are_refused(fr_node: RunningNode) -> None:
    two_dates = {**NAME, "birthDate": ["1975-04-02", "1976-04-02"]}
    # The UAE may not match on birth dates at France's node: several at once are refused, by the policy.
    uae = await search(fr_node, search_request(two_dates, country="AE", purpose="terrorism"))
    assert uae.outcome == pb.SEARCH_OUTCOME_REFUSED
    assert uae.refusal_reason == pb.REFUSAL_REASON_QUERY_SHAPE_NOT_ACCEPTED
    assert last_audit_body(fr_node)["refusal_reason"] == "query_shape_not_accepted"
    # Ukraine receives birth years only: a partial date is refused, a full one is fine.
    partial = await search(
        fr_node, search_request({**NAME, "birthDate": ["1975-04"]}, country="UA", purpose="fugitive")
    )
    assert partial.refusal_reason == pb.REFUSAL_REASON_QUERY_SHAPE_NOT_ACCEPTED
    full = await search(
        fr_node, search_request({**NAME, "birthDate": ["1975-04-02"]}, country="UA", purpose="fugitive")
    )
    assert full.outcome == pb.SEARCH_OUTCOME_HIT
    # Germany receives birth dates as they are: it may ask with several.
    germany = await search(fr_node, search_request(two_dates, country="DE", purpose="terrorism"))
    assert germany.outcome == pb.SEARCH_OUTCOME_HIT
    # Several names are never a probing shape.
    names = await search(
        fr_node, search_request({"name": ["Ivan Petrov", "Iwan Petrow"]}, country="AE", purpose="terrorism")
    )
    assert names.outcome == pb.SEARCH_OUTCOME_HIT
