"""Issue 17, replayed: one investigator's expensive searches with tiny deadlines cannot open a country's circuit
breaker, nor push another investigator's search past the budget; a node that really fails still opens it."""

from __future__ import annotations

import asyncio
import random
import re
import time
from typing import Any

from tests.federation import Federation

BUDGET_MS = 1500  # the test gateway's default search budget
PETROV = {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}, "purpose": "drug_trafficking"}
SYLLABLES = ["mar", "tin", "ale", "xan", "dro", "vik", "tor", "ser", "gei", "pet", "rov", "ana", "lui", "bel"]


def long_name(rng: random.Random, parts: int = 12) -> str:
    """A name with as many parts as a query may give one (max_name_parts), each part long."""
    return " ".join("".join(rng.choice(SYLLABLES) for _ in range(5)).capitalize() for _ in range(parts))


def expensive_body(rng: random.Random, names: int = 4) -> dict[str, Any]:
    """The attack's shape within the cost bounds: long names of many parts, and the shortest budget allowed."""
    values = ["Ivan Petrov " + long_name(rng, 10)] + [long_name(rng) for _ in range(names - 1)]
    return {
        "schema": "Person",
        "properties": {"name": values[:2], "alias": values[2:]},
        "purpose": "drug_trafficking",
        "countries": ["FR"],
        "timeout_ms": 50,
    }


async def breaker_state(federation: Federation, country: str) -> str:
    async with federation.api.session.get(federation.metrics_url) as response:
        text = await response.text()
    states = re.findall(
        rf'fedgate_gateway_circuit_breaker\{{country="{country}",fedgate_gateway_circuit_breaker="(\w+)"\}} 1\.0', text
    )
    assert len(states) == 1, text
    return str(states[0])


async def test_expensive_searches_with_tiny_deadlines_do_not_open_the_breaker_or_slow_others(
    federation: Federation,
) -> None:
    rng = random.Random(17)
    attacker = federation.token("DE", investigator_id="de-attacker")
    investigator = federation.token("DE", investigator_id="de-investigator")
    # Every one of the attacker's calls misses its 50 ms: France answers 100 ms late (as a node busy with the
    # attacker's work would), so each admitted call is a timeout the old breaker counted.
    federation.nodes["FR"].proxy.delay_s = 0.1

    over = expensive_body(rng, names=6)
    over["properties"]["weakAlias"] = [long_name(rng) for _ in range(2)]
    status, error = await federation.api.search(over, attacker)
    assert status == 400
    assert "max_total_" in error["error"]["message"]

    statuses: list[str] = []

    async def attack_round() -> None:
        for status, answer in await asyncio.gather(
            *(federation.api.search(expensive_body(rng), attacker) for _ in range(5))
        ):
            assert status == 200, answer
            statuses.append(answer["countries"]["FR"]["status"])

    for _ in range(3):  # nobody else searches France meanwhile: nothing closes the breaker again
        await attack_round()
        assert await breaker_state(federation, "FR") == "closed"
    for _ in range(2):  # and while the attack goes on, another investigator searches France
        started = time.monotonic()
        (status, answer), _ = await asyncio.gather(federation.api.search(PETROV, investigator), attack_round())
        elapsed_ms = (time.monotonic() - started) * 1000
        assert status == 200, answer
        assert answer["countries"]["FR"]["status"] in ("hit", "no_hit"), answer["countries"]["FR"]
        assert answer["countries"]["FR"]["latency_ms"] < BUDGET_MS
        assert elapsed_ms < BUDGET_MS + 500
        assert await breaker_state(federation, "FR") == "closed"
    # The attacker's calls timed out (or were refused for having too many in progress at the node): none counted.
    assert set(statuses) <= {"timeout", "rate_limited"}
    assert "timeout" in statuses

    federation.nodes["FR"].proxy.delay_s = 0.0
    status, answer = await federation.api.search(PETROV, investigator)
    assert answer["countries"]["FR"]["status"] == "hit"
    assert await breaker_state(federation, "FR") == "closed"


async def test_a_node_too_slow_for_a_deadline_above_the_minimum_still_opens_the_breaker(
    federation: Federation,
) -> None:
    token = federation.token("FR")
    federation.nodes["DE"].proxy.delay_s = 1.5
    body = {**PETROV, "countries": ["DE"], "timeout_ms": 1100}  # above breaker_min_deadline_ms (1000)
    for _ in range(3):  # breaker_failures = 3 in the test configuration
        _, answer = await federation.api.search(body, token)
        assert answer["countries"]["DE"]["status"] == "timeout"
    _, answer = await federation.api.search(body, token)
    assert answer["countries"]["DE"]["problem"] == "breaker_open"
    assert await breaker_state(federation, "DE") == "open"
