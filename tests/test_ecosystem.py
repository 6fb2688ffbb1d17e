"""The FollowTheMoney ecosystem's screening APIs on the gateway, against a demo federation with real policies:
yente's `POST /match/{dataset}` (checked against yente's own response model, and driven by nomenklatura's
YenteEnricher unchanged) and the W3C Reconciliation API that OpenRefine speaks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from followthemoney import Dataset, StatementEntity
from nomenklatura.cache import Cache
from nomenklatura.db import make_session
from nomenklatura.enrich import make_enricher

from fedeval.attacks import NOBODY, PETROV, seen
from tests.conftest import demo_api, module_demo, new_investigator
from tests.federation import ApiClient

NAME = {"name": [PETROV.names["FR"]]}
# yente's EntityMatchResponse as JSON Schema, derived from yente's pydantic models (tests/data/yente/README.md).
YENTE_MATCH_RESPONSE = json.loads((Path(__file__).parent / "data" / "yente" / "match_response.json").read_text())


@pytest.fixture(scope="module")
def demo(shared_demo: dict[str, Any]) -> dict[str, Any]:
    return module_demo(shared_demo, "ecosystem")


@pytest.fixture
async def api(demo: dict[str, Any]) -> AsyncIterator[ApiClient]:
    async with demo_api(demo) as client:
        yield client


async def post_match(
    api: ApiClient, path: str, body: Any, token: str | None, scheme: str = "ApiKey"
) -> tuple[int, dict[str, Any]]:
    """A yente client's request: the token as `ApiKey`; the answer checked against the gateway's /openapi.json."""
    status, answer = await api.call("POST", path, body=body, token=None, headers=_auth(token, scheme))
    return status, answer


def _auth(token: str | None, scheme: str) -> dict[str, str]:
    return {} if token is None else {"Authorization": f"{scheme} {token}"}


def as_search_answer(matches: dict[str, Any]) -> dict[str, Any]:
    """One query's yente answer read back as fedgate's own: its countries and each hit whole."""
    results = [
        {**result["fedgate"], "schema": result["schema"], "properties": result["properties"]}
        for result in matches["results"]
    ]
    return {"countries": matches["fedgate"]["countries"], "results": results}


async def test_match_default_answers_each_query_in_yentes_shape_as_a_single_search_would(
    api: ApiClient, demo: dict[str, Any]
) -> None:
    token = new_investigator(demo, "UA", "ua-screener")
    queries: dict[str, dict[str, Any]] = {
        "petrov": {"schema": "Person", "properties": NAME},
        "nobody": {"schema": "Person", "properties": {"name": NOBODY, "birthDate": ["1970"]}},
    }
    status, answer = await post_match(api, "/match/default?purpose=fugitive", {"queries": queries}, token)
    assert status == 200, answer
    jsonschema.validate(answer, YENTE_MATCH_RESPONSE)
    assert set(answer["responses"]) == {"petrov", "nobody"}
    assert answer["responses"]["nobody"]["results"] == []
    assert answer["responses"]["nobody"]["query"] == {
        "schema": "Person",
        "properties": {"name": [NOBODY], "birthDate": ["1970"]},
    }
    for key, query in queries.items():
        matches = answer["responses"][key]
        assert matches["status"] == 200
        assert matches["fedgate"]["requested"] == sorted(demo["countries"])
        properties = {name: [v] if isinstance(v, str) else v for name, v in query["properties"].items()}
        single_status, single = await api.search(
            {"schema": "Person", "properties": properties, "purpose": "fugitive"}, token
        )
        assert single_status == 200
        for country in demo["countries"]:
            assert seen(as_search_answer(matches), country) == seen(single, country), (key, country)
    petrov = answer["responses"]["petrov"]["results"]
    assert petrov, "Ivan Petrov is planted in every demo country"
    for result in petrov:
        assert result["datasets"] == [result["fedgate"]["country"]]
        assert result["match"] == (
            result["score"] >= 0.7 if "score" in result else result["fedgate"].get("score_band") == "strong"
        )


async def test_a_hit_only_answer_invents_neither_properties_nor_a_score(api: ApiClient, demo: dict[str, Any]) -> None:
    # Greece answers France hit-only for organised crime (tests/test_attacks.py): nothing but that it holds a record.
    status, answer = await post_match(
        api,
        "/match/GR?purpose=organised_crime",
        {"queries": {"q": {"schema": "Person", "properties": NAME}}},
        demo["tokens"]["FR"],
    )
    assert status == 200, answer
    jsonschema.validate(answer, YENTE_MATCH_RESPONSE)
    (result,) = answer["responses"]["q"]["results"]
    assert result["fedgate"]["disclosure"] == "hit_only"
    assert result["datasets"] == ["GR"]
    assert "score" not in result
    assert result["properties"] == {}
    assert result["caption"] == "Person"
    assert result["explanations"] == {}
    assert result["fedgate"]["withheld"], "why each property stayed in Greece"
    assert answer["responses"]["q"]["fedgate"]["requested"] == ["GR"]


def test_nomenklaturas_yente_enricher_screens_against_the_gateway_unchanged(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    dataset = Dataset.make({"name": "screening", "title": "Screening list"})
    token = new_investigator(demo, "DE", "de-enricher")
    config = {
        "type": "nomenklatura.enrich.yente:YenteEnricher",
        "api": demo["gateway_url"] + "/",
        # YenteEnricher joins `dataset` into the URL and keeps a query string it holds: the purpose travels there.
        "dataset": "default?purpose=fugitive",
        "api_key": token,
    }
    with make_session(f"sqlite:///{tmp_path / 'enricher.db'}") as session:
        enricher = make_enricher(dataset, Cache(session, dataset, create=True), config)
        person = StatementEntity.from_data(dataset, {"id": "list-1", "schema": "Person", "properties": NAME})
        found = list(enricher.match(person))
        enricher.close()
    assert found, "the enricher reads fedgate's answer as yente's"
    for entity in found:
        assert entity.schema.name == "Person"
        assert entity.id is not None
        assert entity.id.split("-", 1)[0] in demo["countries"]


async def test_reconciliation_manifest_and_a_query_in_the_documented_shape(
    api: ApiClient, demo: dict[str, Any]
) -> None:
    token = new_investigator(demo, "UA", "ua-refiner")
    headers = _auth(token, "Bearer")
    status, manifest = await api.call("GET", "/reconcile/default", headers=headers)
    assert status == 200, manifest
    assert manifest["versions"] == ["0.2"]
    assert {"id": "Person", "name": "People"} in manifest["defaultTypes"]
    # As OpenRefine sends it: https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/
    queries = {
        "q0": {"query": PETROV.names["FR"], "type": "Person", "limit": 3},
        "q1": {"query": NOBODY, "type": "Person", "properties": [{"pid": "birthDate", "v": "1970"}]},
    }
    status, answer = await api.call(
        "POST", "/reconcile/FR?purpose=fugitive", form={"queries": json.dumps(queries)}, headers=headers
    )
    assert status == 200, answer
    assert set(answer) == {"q0", "q1"}
    assert answer["q1"]["result"] == []
    (candidate,) = answer["q0"]["result"]
    assert candidate["type"] == [{"id": "Person", "name": "People"}]
    assert candidate["match"] is False
    assert candidate["fedgate"]["country"] == "FR"
    assert answer["q0"]["fedgate"]["countries"]["FR"]["status"] == "hit"


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "named"),
    [
        (
            "/match/default",
            {"queries": {"q": {"schema": "Person", "properties": NAME}}},
            400,
            "missing_purpose",
            "purpose",
        ),
        (
            "/match/default?purpose=fugitive",
            {"queries": {"q": {"schema": "Pet", "properties": NAME}}},
            400,
            "invalid_query",
            "queries.q.schema",
        ),
        (
            "/match/default?purpose=fugitive",
            {"queries": {f"q{n}": {"schema": "Person", "properties": NAME} for n in range(101)}},
            400,
            "too_many_queries",
            "at most 100",
        ),
        (
            "/match/atlantis?purpose=fugitive",
            {"queries": {"q": {"schema": "Person", "properties": NAME}}},
            404,
            "unknown_dataset",
            "atlantis",
        ),
        (
            "/match/default?purpose=fugitive&algorithm=logic-v1",
            {"queries": {"q": {"schema": "Person", "properties": NAME}}},
            400,
            "unsupported_algorithm",
            "algorithm",
        ),
        (
            "/match/default?purpose=fugitive&topics=sanction",
            {"queries": {"q": {"schema": "Person", "properties": NAME}}},
            400,
            "unsupported_parameter",
            "topics: fedgate cannot honour",
        ),
    ],
    ids=["no-purpose", "bad-schema", "too-many-queries", "unknown-dataset", "other-algorithm", "dataset-filter"],
)
async def test_bad_match_requests_are_refused_in_fedgates_error_shape(
    api: ApiClient, demo: dict[str, Any], path: str, body: Any, status: int, code: str, named: str
) -> None:
    answered, answer = await post_match(api, path, body, new_investigator(demo, "UA", "ua-careless"))
    assert answered == status, answer
    assert answer["error"]["code"] == code
    assert named in answer["error"]["message"]


async def test_the_ecosystem_endpoints_need_a_token_and_a_reconciliation_needs_a_purpose(
    api: ApiClient, demo: dict[str, Any]
) -> None:
    body = {"queries": {"q": {"schema": "Person", "properties": NAME}}}
    status, answer = await post_match(api, "/match/default?purpose=fugitive", body, None)
    assert status == 401
    assert answer["error"]["code"] == "token_missing"
    status, answer = await api.call("GET", "/reconcile/default")
    assert status == 401
    headers = _auth(new_investigator(demo, "UA", "ua-no-purpose"), "ApiKey")
    status, answer = await api.call("POST", "/reconcile/default", form={"queries": "{}"}, headers=headers)
    assert status == 400
    assert answer["error"]["code"] == "missing_purpose"


async def test_no_screened_value_reaches_the_gateways_logs(api: ApiClient, demo: dict[str, Any]) -> None:
    marker = "Quentin Zabrowsky-Lomardi"
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": [marker]}}}}
    status, _ = await post_match(api, "/match/default?purpose=fugitive", body, new_investigator(demo, "UA", "ua-log"))
    assert status == 200
    status, _ = await api.call(
        "POST",
        "/reconcile/default?purpose=fugitive",
        form={"queries": json.dumps({"q": {"query": marker}})},
        headers=_auth(new_investigator(demo, "UA", "ua-log2"), "Bearer"),
    )
    assert status == 200
    work = Path(demo["work_dir"])
    written = [
        work.parent / "demo.log",
        *(path for path in work.glob("*/*") if path.is_file() and "gateway" in path.name),
    ]
    written += [path for path in (work / "gateway").iterdir() if path.is_file()]
    assert any(b"/match/{dataset}" in path.read_bytes() or b'"search"' in path.read_bytes() for path in written)
    assert not [path for path in written if marker.encode() in path.read_bytes()]


async def test_the_api_document_lists_the_ecosystem_endpoints(api: ApiClient) -> None:
    paths = api.spec["paths"]
    assert set(paths["/match/{dataset}"]) == {"post"}
    assert set(paths["/reconcile/{dataset}"]) == {"get", "post"}
    purpose = next(item for item in paths["/match/{dataset}"]["post"]["parameters"] if item["name"] == "purpose")
    assert purpose["required"] is True
