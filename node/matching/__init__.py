"""Matching: blocking keys for the store's index, and explainable scores of a record against a query."""

from node.matching.dialects import load_readings
from node.matching.keys import STORE_FORMAT, QueryKeys, key_weight, name_keys, query_keys, record_keys
from node.matching.names import analyse_names, compare_names, name_texts
from node.matching.score import (
    Evidence,
    MatchResult,
    PreparedQuery,
    prepare_query,
    restrict,
    score_bound,
    score_record,
    spelled_alike,
    spelling_similarities,
)
from node.matching.settings import TUNABLES, MatchKind, Tunables

__all__ = [
    "STORE_FORMAT",
    "TUNABLES",
    "Evidence",
    "MatchKind",
    "MatchResult",
    "PreparedQuery",
    "QueryKeys",
    "Tunables",
    "analyse_names",
    "compare_names",
    "key_weight",
    "load_readings",
    "name_keys",
    "name_texts",
    "prepare_query",
    "query_keys",
    "record_keys",
    "restrict",
    "score_bound",
    "score_record",
    "spelled_alike",
    "spelling_similarities",
]
