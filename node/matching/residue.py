"""What is left of two names once known names, initials, spellings and sounds have paired their parts: rigour's
alignment of the rest, typos, the parts either side lacks, and parts that stand where the other name has
another (a sibling's given name)."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.distance import OSA
from rigour.names import Alignment, NamePart, NamePartTag

from node.matching.settings import TUNABLES, MatchKind
from node.matching.titles import is_regnal
from node.matching.wadegiles import name_ascii

# One aligned cluster of name parts: (weight in the name's score, score, how it matched). "How" is a kind,
# or the rigour alignment to derive it from (only for the pairing that wins).
PartScore = tuple[float, float, "MatchKind | Alignment"]


def is_stop(alignment: Alignment) -> bool:
    return all(part.tag == NamePartTag.STOP for part in alignment.qps) and all(
        part.tag == NamePartTag.STOP for part in alignment.rps
    )


def _typo_score(query_text: str, record_text: str) -> float | None:
    """The score of two parts one or two typos apart (Damerau: a swap of neighbours is one), else None."""
    if min(len(query_text), len(record_text)) < TUNABLES.typo_min_length:
        return None
    longest = max(len(query_text), len(record_text))
    allowed = 2 if longest >= TUNABLES.two_typos_min_length else 1
    distance = OSA.distance(query_text, record_text, score_cutoff=allowed)
    return 1 - distance / longest if distance <= allowed else None


def part_ascii(part: NamePart) -> str:
    return part.ascii or name_ascii(part.form)


def _residue_text(parts: Iterable[NamePart]) -> str:
    return "".join(part_ascii(part) for part in parts).lower()


def _names_something(parts: Iterable[NamePart], *, syllabic: bool) -> bool:
    """Whether unpaired parts are a name of their own, not only particles (de, al, bin…). In a syllabic name
    every syllable is one: rigour's particles (da, de) are also pinyin syllables (大 da)."""
    return any(syllabic or part.tag != NamePartTag.STOP for part in parts)


def _one_sided(residue: list[Alignment], *, surely: bool) -> list[Alignment]:
    """Alignments of parts one side alone has that are regnal numbers (node.matching.titles): `surely`, all of them
    nothing else; else any of them may be one."""
    every_or_any = all if surely else any
    return [
        alignment
        for alignment in residue
        if bool(alignment.qps) != bool(alignment.rps)
        and every_or_any(is_regnal(part, surely=surely) for part in alignment.qps or alignment.rps)
    ]


def residue_scores(residue: list[Alignment], scores: list[PartScore], *, syllabic: bool) -> bool:
    """Scores of rigour's residue alignments; parts its edit budget kept apart are paired again when they
    are one or two typos apart (not in syllabic names, where a near spelling is another name).

    True when both names keep a part of their own the other does not pair (Ahmed bin Khalid, Saeed bin
    Khalid): one name has another name where the other has this one, which a missing part (a middle name,
    a patronymic left out) is not."""
    # Per side (query, record): alignments of one part the other side lacks, and whether a part is unpaired.
    solos: tuple[list[Alignment], list[Alignment]] = ([], [])
    unpaired = [False, False]
    extra_weights = (TUNABLES.extra_query_part_weight, TUNABLES.extra_record_part_weight)
    # A regnal number one side leaves out (Ottokar, Ottokar II) says as little as a particle; two different ones
    # (Ottokar II, Ottokar III) say two people.
    ordinals = _one_sided(residue, surely=True)
    numbered = {bool(alignment.qps) for alignment in _one_sided(residue, surely=False)}  # X or V beside II: two
    for alignment in residue:
        weight = TUNABLES.stopword_weight if is_stop(alignment) else 1.0
        if not alignment.rps or not alignment.qps:
            side, parts = (0, alignment.qps) if alignment.qps else (1, alignment.rps)
            if len(numbered) == 1 and alignment in ordinals:
                scores.append((TUNABLES.stopword_weight * extra_weights[side], 0.0, MatchKind.FUZZY))
                continue
            if weight == 1.0 and len(parts) == 1 and not syllabic:
                solos[side].append(alignment)
            else:
                scores.append((weight * extra_weights[side], 0.0, MatchKind.FUZZY))
                unpaired[side] |= _names_something(parts, syllabic=syllabic)
        else:
            score = alignment.score
            if syllabic and score < TUNABLES.syllable_min_score:
                score = 0.0
            elif score == 0 and not syllabic and len(alignment.qps) == 1 and len(alignment.rps) == 1:
                typo = _typo_score(_residue_text(alignment.qps), _residue_text(alignment.rps))
                if typo is not None:
                    scores.append((weight, typo, MatchKind.FUZZY))
                    continue
            if score == 0:
                unpaired[0] |= _names_something(alignment.qps, syllabic=syllabic)
                unpaired[1] |= _names_something(alignment.rps, syllabic=syllabic)
            scores.append((weight, score, alignment))
    query_solo, record_solo = solos
    for query_item in query_solo:
        best: tuple[float, Alignment] | None = None
        if record_solo:
            query_text = _residue_text(query_item.qps)
            for record_item in record_solo:
                typo = _typo_score(query_text, _residue_text(record_item.rps))
                if typo is not None and (best is None or typo > best[0]):
                    best = (typo, record_item)
        if best is None:
            scores.append((TUNABLES.extra_query_part_weight, 0.0, MatchKind.FUZZY))
            unpaired[0] = True
        else:
            record_solo.remove(best[1])
            scores.append((1.0, best[0], MatchKind.FUZZY))
    scores.extend((TUNABLES.extra_record_part_weight, 0.0, MatchKind.FUZZY) for _ in record_solo)
    return unpaired[0] and (unpaired[1] or bool(record_solo))
