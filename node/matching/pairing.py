"""Which of the candidate pairs of two names' parts pair: those most alike together."""

from __future__ import annotations

from typing import TypeVar

Part = TypeVar("Part")

# Beyond this many candidate pairs (long names), the most alike pair first, as they are given.
MAX_PAIRING_CANDIDATES = 12


def best_pairing(candidates: list[tuple[float, Part, Part]]) -> list[tuple[float, Part, Part]]:
    """Of candidate pairs (how alike, the query's part, the record's), those that are the most alike together,
    each part in one at most: not the most alike pair first, whichever pairs that leaves. A part may sound most
    like the other name's wrong part, read in another tongue (a Latin family name like a Chinese given name
    read in Cantonese), and leave both right parts unpaired. At most MAX_PAIRING_CANDIDATES: every pairing
    of them is tried."""
    if len(candidates) > MAX_PAIRING_CANDIDATES:
        return candidates
    mine, theirs = {id(part) for _, part, _ in candidates}, {id(part) for _, _, part in candidates}
    if len(mine) == len(theirs) == len(candidates):
        return candidates  # no two share a part (the most usual): all pair
    best: tuple[float, list[tuple[float, Part, Part]]] = (0.0, [])

    def pick(start: int, chosen: list[tuple[float, Part, Part]], total: float) -> None:
        nonlocal best
        if total > best[0]:
            best = (total, list(chosen))
        for index in range(start, len(candidates)):
            similarity, query_part, record_part = candidates[index]
            if all(query_part is not mine and record_part is not theirs for _, mine, theirs in chosen):
                chosen.append(candidates[index])
                pick(index + 1, chosen, total + similarity)
                chosen.pop()

    pick(0, [], 0.0)
    return best[1]
