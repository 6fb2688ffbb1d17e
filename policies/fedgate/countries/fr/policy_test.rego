package fedgate.countries.fr_test

import data.fedgate.countries.fr

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": ["birthDate", "idNumber", "name"],
	"flags": [],
}

search(country, purpose, records) := {
	"node_country": "FR",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": "confidential"},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"], "value_counts": {"name": 1}, "partial_dates": []},
	"records": records,
}

test_eu_partner_receives_the_whole_record if {
	decision := fr.decision with input as search("DE", "drug_trafficking", [person])
	decision.records.p1.disclosure == "full"
	decision.records.p1.release == ["birthDate", "idNumber", "name"]
}

test_ukraine_receives_name_and_birth_year_only if {
	decision := fr.decision with input as search("UA", "fugitive", [person])
	decision.records.p1.disclosure == "partial"
	decision.records.p1.release == ["birthDate", "name"]
	decision.records.p1.generalise == {"birthDate": "year"}
	decision.records.p1.withheld == {"idNumber": "not_shared_with_requester"}
}

test_ukraine_is_not_answered_on_drug_cases if {
	decision := fr.decision with input as search("UA", "drug_trafficking", [person])
	decision.refused
	decision.refusal_reason == "purpose_not_accepted"
}

test_emirates_get_hit_or_no_hit_only if {
	decision := fr.decision with input as search("AE", "terrorism", [person])
	decision.records.p1.disclosure == "hit_only"
}

test_unknown_country_gets_nothing if {
	decision := fr.decision with input as search("US", "terrorism", [person])
	decision.refused
	decision.records == {}
}

test_victims_are_not_mentioned_outside_the_eu if {
	victim := object.union(person, {"flags": ["victim"]})
	outside := fr.decision with input as search("UA", "fugitive", [victim])
	outside.records.p1.disclosure == "none"
	inside := fr.decision with input as search("DE", "fugitive", [victim])
	inside.records.p1.disclosure == "hit_only"
}

test_political_purpose_is_refused if {
	decision := fr.decision with input as search("DE", "political_activity", [person])
	decision.refusal_reason == "neutrality"
}

test_broken_settings_deny_by_default if {
	decision := fr.decision with input as search("DE", "terrorism", [person])
		with fr.settings as {}
	decision.refused
	decision.records == {}
}

test_without_a_search_nothing_is_decided_and_nothing_leaves if {
	fr.decision == {"policy_revision": "", "refused": true, "refusal_reason": "requester_not_trusted", "records": {}}
}

# `base` (a search) with a query of `schema` holding `value_counts` values per property
# and partial dates in `partial_dates`.
shaped(base, schema, value_counts, partial_dates) := object.union(base, {"query": {
	"schema": schema,
	"properties": sort(object.keys(value_counts)),
	"value_counts": value_counts,
	"partial_dates": partial_dates,
}})

telling(country, clearance) := {
	"node_country": "FR",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": clearance},
}

nothing_told := {"schemata": false, "counts": false, "policy_revision": ""}

test_eu_partner_matches_on_everything_it_receives if {
	decision := fr.decision
		with input as shaped(search("DE", "fugitive", [person]), "Person", {"name": 1, "birthDate": 1}, [])
	decision.records.p1.match_on == ["birthDate", "idNumber", "name"]
	decision.records.p1.score == "released"
}

test_ukraine_does_not_match_on_the_birth_date_it_receives_as_a_year if {
	query := shaped(search("UA", "fugitive", [person]), "Person", {"name": 1, "birthDate": 1, "idNumber": 1}, [])
	decision := fr.decision with input as query
	decision.records.p1 == {
		"disclosure": "partial",
		"release": ["birthDate", "name"],
		"generalise": {"birthDate": "year"},
		"withheld": {"idNumber": "not_shared_with_requester"},
		"match_on": ["idNumber", "name"],
		"score": "released",
	}
}

test_emirates_hits_match_on_names_and_carry_a_band if {
	decision := fr.decision
		with input as shaped(search("AE", "terrorism", [person]), "Person", {"name": 1, "birthDate": 1}, [])
	decision.records.p1.match_on == ["name"]
	decision.records.p1.score == "band"
}

test_a_victim_not_mentioned_is_matched_on_nothing if {
	victim := object.union(person, {"flags": ["victim"]})
	decision := fr.decision with input as search("UA", "fugitive", [victim])
	decision.records.p1 == {
		"disclosure": "none", "release": [], "generalise": {}, "withheld": {},
		"match_on": [], "score": "none",
	}
}

test_ukraine_may_not_try_out_birth_dates if {
	two := fr.decision with input as shaped(search("UA", "fugitive", [person]), "Person", {"name": 1, "birthDate": 2}, [])
	two.refused
	two.refusal_reason == "query_shape_not_accepted"
	two.records == {}
	partial := fr.decision
		with input as shaped(search("UA", "fugitive", [person]), "Person", {"name": 1, "birthDate": 1}, ["birthDate"])
	partial.refusal_reason == "query_shape_not_accepted"
}

test_several_names_and_french_partial_birth_dates_are_accepted if {
	names := fr.decision with input as shaped(search("UA", "fugitive", [person]), "Person", {"name": 2, "alias": 3}, [])
	not names.refused
	partial := fr.decision
		with input as shaped(search("FR", "fugitive", [person]), "Person", {"name": 1, "birthDate": 1}, ["birthDate"])
	not partial.refused
	partial.records.p1.disclosure == "full"
}

test_eu_neighbours_see_schemata_and_counts if {
	every country in {"FR", "DE", "GR"} {
		fr.describe == {"schemata": true, "counts": true, "policy_revision": "unversioned"}
			with input as telling(country, "basic")
	}
}

test_other_partners_see_schemata_but_no_counts if {
	fr.describe == {"schemata": true, "counts": false, "policy_revision": "unversioned"}
		with input as telling("UA", "basic")
	fr.describe == {"schemata": true, "counts": false, "policy_revision": "unversioned"}
		with input as telling("AE", "basic")
}

test_unknown_country_is_told_nothing if {
	fr.describe == nothing_told with input as telling("US", "secret")
}

test_without_a_requester_nothing_is_told if {
	fr.describe == nothing_told
}

test_a_batch_applies_the_record_rules_to_every_query if {
	victim := object.union(person, {"ref": "p2", "flags": ["victim"]})
	query := {"schema": "Person", "properties": ["name"], "value_counts": {"name": 1}, "partial_dates": []}
	screened := object.union(search("UA", "fugitive", [person, victim]), {"queries": [
		{"query_id": "q1", "query": query, "records": ["p1", "p2"]},
		{"query_id": "q2", "query": query, "records": ["p2"]},
	]})
	decision := fr.decision with input as screened
	decision.queries.q1.records.p1.disclosure == "partial"
	decision.queries.q1.records.p2.disclosure == "none"
	decision.queries.q2.records == {"p2": {
		"disclosure": "none", "release": [], "generalise": {}, "withheld": {}, "match_on": [], "score": "none",
	}}
}

follow_up(country, step, requested, approved, records) := {
	"stage": "follow_up",
	"step": step,
	"node_country": "FR",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": "confidential"},
	"purpose": "terrorism",
	"legal_basis": "prum_core_data",
	"urgency": "normal",
	"requested": requested,
	"approved": approved,
	"reads": [],
	"records": records,
}

test_follow_up_is_due_in_48_hours_or_8_when_urgent if {
	filed := fr.follow_up with input as follow_up("DE", "file", ["name"], [], [])
	filed.refused == false
	filed.due_hours == 48
	filed.expire_hours == 720
	urgent := fr.follow_up with input as object.union(follow_up("DE", "file", ["name"], [], []), {"urgency": "urgent"})
	urgent.due_hours == 8
}

test_emirates_receive_after_a_follow_up_what_they_never_get_from_a_search if {
	decision := fr.follow_up with input as follow_up("AE", "decide", ["idNumber", "name"], ["idNumber", "name"], [person])
	decision.records.p1 == {
		"disclosure": "partial",
		"release": ["name"],
		"generalise": {},
		"withheld": {"birthDate": "not_requested", "idNumber": "not_shared_with_requester"},
		"match_on": [],
		"score": "released",
	}
}

test_follow_up_never_releases_more_than_the_officer_approved if {
	decision := fr.follow_up with input as follow_up("DE", "decide", ["birthDate", "idNumber", "name"], ["name"], [person])
	decision.records.p1.release == ["name"]
	decision.records.p1.withheld == {"birthDate": "not_approved_by_officer", "idNumber": "not_approved_by_officer"}
	nothing := fr.follow_up with input as follow_up("DE", "decide", ["name"], [], [person])
	nothing.records.p1.release == []
	nothing.records.p1.disclosure == "hit_only"

	# Approving what was not asked for releases nothing more.
	unasked := fr.follow_up with input as follow_up("DE", "decide", ["name"], ["idNumber", "name"], [person])
	unasked.records.p1.release == ["name"]
}

test_follow_up_from_an_untrusted_country_is_refused_whatever_the_record if {
	filed := fr.follow_up with input as follow_up("US", "file", ["name"], [], [])
	filed.refused
	filed.refusal_reason == "requester_not_trusted"
	decided := fr.follow_up with input as follow_up("US", "decide", ["name"], ["name"], [person])
	decided == filed
}

test_follow_up_under_a_legal_basis_france_does_not_accept_is_refused if {
	mla := object.union(follow_up("DE", "file", ["name"], [], []), {"legal_basis": "mutual_legal_assistance"})
	decision := fr.follow_up with input as mla
	decision.refusal_reason == "legal_basis_not_accepted"
}

test_follow_up_of_a_protected_victim_releases_nothing if {
	victim := object.union(person, {"flags": ["victim"]})
	decision := fr.follow_up with input as follow_up("DE", "decide", ["name"], ["name"], [victim])
	decision.records.p1.release == []
	decision.records.p1.withheld.name == "protected_person"
}

test_without_a_follow_up_nothing_is_decided if {
	fr.follow_up == {"policy_revision": "", "refused": true, "refusal_reason": "requester_not_trusted", "records": {}}
	search_input := fr.follow_up with input as search("DE", "terrorism", [person])
	search_input.refused
}

test_france_hears_of_hits_on_records_flagged_for_notification if {
	flagged := object.union(person, {"flags": ["notify"]})
	decision := fr.decision with input as search("UA", "fugitive", [flagged])
	decision.notify == ["p1"]
	decision.records.p1.disclosure == "partial"
	plain := fr.decision with input as search("UA", "fugitive", [person])
	plain.notify == []
}

test_a_record_not_mentioned_is_not_notified if {
	hidden := object.union(person, {"ref": "p2", "flags": ["notify", "victim"]})
	decision := fr.decision with input as search("UA", "fugitive", [hidden])
	decision.records.p2.disclosure == "none"
	decision.notify == []
}
