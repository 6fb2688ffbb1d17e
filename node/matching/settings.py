"""The matcher's tunables (thresholds, weights, floors) in one frozen object, and the kinds of match evidence."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fedgate.v1 import node_pb2 as pb


class MatchKind(StrEnum):
    """How a property matched, from the strongest evidence to the weakest."""

    EXACT = "exact"
    TRANSLITERATED = "transliterated"
    PHONETIC = "phonetic"
    FUZZY = "fuzzy"
    PARTIAL = "partial"

    @property
    def wire(self) -> pb.MatchKind:
        """The kind as a node's answer carries it."""
        return _WIRE[self]

    @property
    def weakness(self) -> int:
        """Where the kind stands in declaration order: a name is only as strong as its weakest evidence."""
        return _WEAKNESS[self]


_WIRE: dict[MatchKind, pb.MatchKind] = {
    MatchKind.EXACT: pb.MATCH_KIND_EXACT,
    MatchKind.TRANSLITERATED: pb.MATCH_KIND_TRANSLITERATED,
    MatchKind.PHONETIC: pb.MATCH_KIND_PHONETIC,
    MatchKind.FUZZY: pb.MATCH_KIND_FUZZY,
    MatchKind.PARTIAL: pb.MATCH_KIND_PARTIAL,
}
_WEAKNESS = {kind: rank for rank, kind in enumerate(MatchKind)}


@dataclass(frozen=True)
class Tunables:
    """Every number the scores and the candidate shortlist depend on. The operating point (the score
    threshold, candidate and posting limits) is configuration: node.config.MatchingSettings."""

    # Weights of unmatched name parts: a query part the record lacks weighs more than a record part
    # the query did not mention (records often hold middle names and patronymics a query leaves out).
    extra_query_part_weight: float = 1.0
    extra_record_part_weight: float = 0.4
    stopword_weight: float = 0.3
    # Two typos (an insertion, a swap of neighbours…) in a name part of five letters or more, one in a shorter
    # part, still spell the same name: rigour's edit budget is stricter, so such parts are paired after it.
    typo_min_length: int = 3
    two_typos_min_length: int = 5
    # Romanised Chinese (Japanese, Korean) name parts are syllables: a near spelling is another name.
    syllable_min_score: float = 0.9
    initial_score: float = 0.6
    abjad_score: float = 0.9
    # Parts written in different scripts pair when they sound this much alike (node.matching.sounds), and
    # score their likeness times sound_score.
    sound_min_similarity: float = 0.55
    # Below this likeness, two parts pair by sound only when they begin with the same (or a near) sound.
    sound_sure_similarity: float = 0.7
    sound_score: float = 0.95
    # A name in Chinese characters whose Hokkien or Cantonese readings a run of Latin syllables spells
    # (node.matching.dialects).
    dialect_score: float = 0.95
    # Beside an abjad, two known names that rigour's symbols do not pair are kept apart when one of them is known
    # under this many items (a common name, whose spellings the symbols cover).
    sound_common_name: int = 3
    # Parts that sound this much alike pair though rigour knows them as two names (Wikidata keeps an item per
    # spelling: Majid, Маджид), beside an alphabet; beside an abjad when one of them is no common name.
    sound_same_similarity: float = 0.9
    # A record sharing no name key with the query is scored only when its names are spelled this much alike
    # (rapidfuzz token-sort ratio, 0 to 100).
    spelled_alike_ratio: int = 60
    # Below this a name does not match, whatever else agrees; above it, birth dates confirm or contradict.
    name_floor: float = 0.6
    # A name both of whose sides keep a part the other does not pair (Ahmed bin Khalid, Saeed bin Khalid) is
    # another name beside the same family's: scored at most this, below the floor, so that a sibling born on the
    # same day is no hit.
    substituted_name_cap: float = 0.55
    # The least score of a record one of whose identifiers matches the query's.
    identifier_score: float = 0.95
    date_exact_gain: float = 0.6
    date_partial_gain: float = 0.35
    # A contradicting birth date sinks even an identical name below the default threshold: a namesake.
    date_mismatch_factor: float = 0.65
    country_gain: float = 0.1
    country_mismatch_factor: float = 0.9
    gender_mismatch_factor: float = 0.8
    # Names-only queries whose best records tie on their keys: how many are read to choose among them, and
    # how much the shared keys still count beside the spelling's likeness.
    shortlist: int = 200
    # When no record of a names-only query's shortlist is shortlist_sure alike and fewer than the candidates are
    # shortlist_found alike, up to shortlist_more records more (the next heaviest) are read, and the
    # shortlist_more_kept most alike of them (shortlist_found or more) kept beside the candidates chosen: a name in
    # another script may share only one pair of sounds with its record, which weighs less than a common part's many
    # keys. Not with a birth date, whose records born that day are candidates besides (read with it, one more wrong
    # best hit on the own set and no more targets).
    shortlist_sure: float = 0.9
    shortlist_found: float = 0.75
    shortlist_more: int = 400
    shortlist_more_kept: int = 5
    # Besides, the records listed under the query's rarest name keys, up to this many together, whatever they weigh:
    # a name in another script may share a single rare key with its record (a pair of parts' sounds) where other
    # records share several common ones (a given name's, in every spelling). 0 reads none.
    rare_key_records: int = 400
    # The shortlist is read when the weight of the first record past max_candidates is this share of the best's
    # or more (1.0: only when they tie); for a query with a full birth date, whose records born that day are
    # candidates besides, the dated share (reading more of it there found no more targets and cost a sixth of
    # the queries per second on the real-world set). Names alone at 0.1 rather than 0.2 found a twentieth of the
    # names-alone misses more on every set, at no queries per second measurably fewer once the shortlist read
    # records' names alone (store format 8).
    close_weight_share: float = 0.1
    # But when a record among the first is spelt exactly as asked, only from this share on (most searches are for
    # a name as stored: reading the shortlist for them too cost their hits half as much time again).
    close_weight_share_spelt: float = 0.2
    close_weight_share_dated: float = 0.3
    tie_key_share: float = 0.5
    # A query part less alike than this to every part of a record's name counts nothing in that choice.
    likeness_floor: float = 0.5


TUNABLES = Tunables()
