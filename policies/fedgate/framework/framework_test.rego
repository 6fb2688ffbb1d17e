package fedgate.framework_test

import data.fedgate.framework

settings := {
	"min_clearance": "restricted",
	"hit_only_schemata": ["Vehicle"],
	"profiles": {
		"open": {"properties": {"Person": ["*"], "Passport": ["*"]}},
		"narrow": {
			"properties": {"Person": ["name", "birthDate", "idNumber"]},
			"generalise": {"birthDate": "year", "notes": "year"},
		},
		"prum": {"hit_only": true, "properties": {}},
	},
	"partners": {
		"FR": {"profile": "open", "purposes": ["terrorism", "stolen_document"]},
		"DE": {"profile": "narrow", "purposes": ["terrorism"]},
		"AE": {"profile": "prum", "purposes": ["terrorism"]},
	},
	"property_clearance": {"idNumber": "secret", "birthPlace": "secret"},
}

person := {
	"ref": "p1",
	"schema": "Person",
	"properties": ["birthDate", "idNumber", "name", "religion"],
	"flags": [],
}

request(country, purpose, records) := {
	"node_country": "GR",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": "confidential"},
	"purpose": purpose,
	"query": {"schema": "Person", "properties": ["name"], "value_counts": {"name": 1}, "partial_dates": []},
	"records": records,
}

# A terrorism search from `country` whose query has the schema, values per property and partial dates given.
asking(country, schema, value_counts, partial_dates) := object.union(
	request(country, "terrorism", [person]),
	{"query": {
		"schema": schema,
		"properties": sort(object.keys(value_counts)),
		"value_counts": value_counts,
		"partial_dates": partial_dates,
	}},
)

test_every_contract_purpose_has_a_character if {
	count(framework.purpose_character) == 13
	count(framework.ordinary_purposes) == 9
}

test_neutrality_refuses_political_military_religious_and_racial_purposes if {
	every purpose in {"political_activity", "military_discipline", "religious_practice", "ethnic_origin"} {
		framework.refusal(settings, request("FR", purpose, [])) == "neutrality"
	}
}

test_unknown_purpose_is_not_neutral if {
	not framework.neutral("elections")
}

test_unknown_requester_is_refused if {
	framework.refusal(settings, request("US", "terrorism", [])) == "requester_not_trusted"
}

test_purpose_not_granted_to_partner_is_refused if {
	framework.refusal(settings, request("DE", "stolen_document", [])) == "purpose_not_accepted"
}

test_low_clearance_is_refused if {
	low := object.union(request("FR", "terrorism", []), {"requester": {"country": "FR", "clearance": "basic"}})
	framework.refusal(settings, low) == "clearance_insufficient"
}

test_refused_decision_releases_no_record if {
	decision := framework.decide(settings, request("US", "terrorism", [person]), {})
	decision.refused
	decision.records == {}
	decision.refusal_reason == "requester_not_trusted"
}

test_open_profile_releases_everything_but_sensitive_categories if {
	secret := object.union(request("FR", "terrorism", [person]), {"requester": {"country": "FR", "clearance": "secret"}})
	decision := framework.decide(settings, secret, {})
	not decision.refused
	record := decision.records.p1
	record.disclosure == "partial"
	record.release == ["birthDate", "idNumber", "name"]
	record.withheld == {"religion": "sensitive_category"}
}

test_narrow_profile_generalises_and_explains_each_withheld_property if {
	decision := framework.decide(settings, request("DE", "terrorism", [person]), {})
	record := decision.records.p1
	record.release == ["birthDate", "name"]
	record.generalise == {"birthDate": "year"}
	record.withheld == {"idNumber": "clearance_insufficient", "religion": "sensitive_category"}
}

test_full_disclosure_when_nothing_is_withheld if {
	plain := {"ref": "p2", "schema": "Person", "properties": ["name"], "flags": []}
	decision := framework.decide(settings, request("FR", "terrorism", [plain]), {})
	decision.records.p2.disclosure == "full"
}

test_hit_only_requester_sees_no_property if {
	decision := framework.decide(settings, request("AE", "terrorism", [person]), {})
	record := decision.records.p1
	record.disclosure == "hit_only"
	record.release == []
	record.withheld.name == "hit_only_requester"
}

test_minor_never_goes_beyond_hit_only if {
	minor := object.union(person, {"flags": ["minor"]})
	decision := framework.decide(settings, request("FR", "terrorism", [minor]), {})
	decision.records.p1.disclosure == "hit_only"
	decision.records.p1.withheld.name == "minor_protection"
}

test_victims_are_protected if {
	victim := object.union(person, {"flags": ["victim"]})
	decision := framework.decide(settings, request("FR", "terrorism", [victim]), {})
	decision.records.p1.withheld.birthDate == "protected_person"
}

test_hit_only_schema if {
	car := {"ref": "v1", "schema": "Vehicle", "properties": ["registrationNumber"], "flags": []}
	decision := framework.decide(settings, request("FR", "terrorism", [car]), {})
	decision.records.v1.withheld == {"registrationNumber": "hit_only_schema"}
}

test_purpose_limitation_keeps_persons_out_of_document_searches if {
	decision := framework.decide(settings, request("FR", "stolen_document", [person]), {})
	decision.records.p1.disclosure == "hit_only"
	decision.records.p1.withheld.name == "not_needed_for_purpose"
}

test_schema_outside_profile_is_hit_only if {
	passport := {"ref": "d1", "schema": "Passport", "properties": ["number"], "flags": []}
	decision := framework.decide(settings, request("DE", "terrorism", [passport]), {})
	decision.records.d1.withheld == {"number": "not_shared_with_requester"}
}

test_record_with_nothing_releasable_is_hit_only if {
	only_notes := {"ref": "p3", "schema": "Person", "properties": ["religion"], "flags": []}
	decision := framework.decide(settings, request("FR", "terrorism", [only_notes]), {})
	decision.records.p3.disclosure == "hit_only"
	decision.records.p3.withheld == {"religion": "not_shared_with_requester"}
}

test_country_override_hides_a_record if {
	decision := framework.decide(settings, request("FR", "terrorism", [person]), {"p1": {"disclosure": "none"}})
	decision.records.p1 == framework.not_mentioned
}

test_country_override_caps_at_hit_only_with_its_reason if {
	override := {"p1": {"disclosure": "hit_only", "reason": "not_needed_for_purpose"}}
	decision := framework.decide(settings, request("FR", "terrorism", [person]), override)
	decision.records.p1.withheld.name == "not_needed_for_purpose"
}

test_every_reason_a_decision_gives_is_in_the_vocabulary if {
	decision := framework.decide(settings, request("DE", "terrorism", [person]), {})
	every _, reason in decision.records.p1.withheld {
		reason in framework.withhold_reasons
	}
	decision.records.p1.disclosure in framework.disclosure_levels
	every _, method in decision.records.p1.generalise {
		method in framework.generalisation_methods
	}
}

test_revision_names_the_loaded_bundles if {
	framework.revision == "fr-1,fr-2" with data.system.bundles as {
		"b": {"manifest": {"revision": "fr-2"}},
		"a": {"manifest": {"revision": "fr-1"}},
	}
}

test_revision_without_bundles_is_unversioned if {
	framework.revision == "unversioned" with data.system.bundles as {}
}

test_refusal_reasons_vocabulary if {
	"neutrality" in framework.refusal_reasons
	"query_shape_not_accepted" in framework.refusal_reasons
}

test_every_record_decision_has_the_same_keys if {
	override := {"p1": {"disclosure": "none"}, "p2": {"disclosure": "hit_only", "reason": "protected_person"}}
	records := [person, object.union(person, {"ref": "p2"}), object.union(person, {"ref": "p3"})]
	decision := framework.decide(settings, request("FR", "terrorism", records), override)
	every _, record in decision.records {
		object.keys(record) == {"disclosure", "release", "generalise", "withheld", "match_on", "score"}
		record.score in framework.score_kinds
	}
}

test_a_record_not_mentioned_is_matched_on_nothing if {
	decision := framework.decide(settings, request("FR", "terrorism", [person]), {"p1": {"disclosure": "none"}})
	decision.records.p1 == {
		"disclosure": "none", "release": [], "generalise": {}, "withheld": {},
		"match_on": [], "score": "none",
	}
}

test_released_record_is_matched_on_what_leaves_as_it_is_and_scored_on_it if {
	secret := object.union(request("FR", "terrorism", [person]), {"requester": {"country": "FR", "clearance": "secret"}})
	decision := framework.decide(settings, secret, {})
	decision.records.p1.match_on == ["birthDate", "idNumber", "name"]
	decision.records.p1.score == "released"
}

test_a_generalised_birth_date_is_not_matched_on if {
	search := asking("DE", "Person", {"name": 1, "birthDate": 1}, [])
	decision := framework.decide(settings, search, {})
	decision.records.p1.generalise == {"birthDate": "year"}
	decision.records.p1.match_on == ["name"]
	decision.records.p1.score == "released"
}

test_the_query_identifiers_count_even_where_the_record_withholds_them if {
	search := asking("DE", "Person", {"name": 1, "idNumber": 1}, [])
	decision := framework.decide(settings, search, {})
	decision.records.p1.withheld.idNumber == "clearance_insufficient"
	decision.records.p1.match_on == ["idNumber", "name"]
}

test_sensitive_categories_are_never_matched_on if {
	search := asking("FR", "Person", {"name": 1, "religion": 1}, [])
	decision := framework.decide(settings, search, {})
	not "religion" in decision.records.p1.match_on
	decision.records.p1.match_on == ["birthDate", "name"]
}

test_hit_only_record_is_matched_on_the_query_names_and_identifiers_alone if {
	search := asking("AE", "Person", {"name": 1, "alias": 2, "birthDate": 1, "passportNumber": 1}, [])
	decision := framework.decide(settings, search, {})
	decision.records.p1.disclosure == "hit_only"
	decision.records.p1.match_on == ["alias", "name", "passportNumber"]
	decision.records.p1.score == "none"
}

test_hit_only_record_carries_the_band_where_the_country_gives_one if {
	banded := object.union(settings, {"hit_only_score": "band"})
	decision := framework.decide(banded, request("AE", "terrorism", [person]), {})
	decision.records.p1.score == "band"
	decision.records.p1.match_on == ["name"]
}

test_an_unknown_hit_only_score_gives_no_score if {
	released_score := object.union(settings, {"hit_only_score": "released"})
	decision := framework.decide(released_score, request("AE", "terrorism", [person]), {})
	decision.records.p1.score == "none"
}

test_record_without_releasable_property_is_matched_on_names_only if {
	only_notes := {"ref": "p3", "schema": "Person", "properties": ["religion"], "flags": []}
	banded := object.union(settings, {"hit_only_score": "band"})
	decision := framework.decide(banded, request("FR", "terrorism", [only_notes]), {})
	decision.records.p3.match_on == ["name"]
	decision.records.p3.score == "band"
}

test_several_values_of_a_generalised_property_are_refused if {
	framework.refusal(settings, asking("DE", "Person", {"name": 1, "birthDate": 2}, [])) == "query_shape_not_accepted"
	decision := framework.decide(settings, asking("DE", "Person", {"name": 1, "birthDate": 2}, []), {})
	decision.refused
	decision.refusal_reason == "query_shape_not_accepted"
	decision.records == {}
}

test_a_partial_date_of_a_generalised_property_is_refused if {
	search := asking("DE", "Person", {"name": 1, "birthDate": 1}, ["birthDate"])
	framework.refusal(settings, search) == "query_shape_not_accepted"
}

test_names_and_identifiers_may_have_several_values if {
	not framework.refusal(settings, asking("DE", "Person", {"name": 3, "alias": 2, "idNumber": 2, "birthDate": 1}, []))
	not framework.refusal(settings, asking("AE", "Person", {"name": 2, "passportNumber": 2}, []))
}

test_several_values_and_partial_dates_of_properties_received_as_they_are_are_accepted if {
	not framework.refusal(settings, asking("FR", "Person", {"name": 1, "birthDate": 2}, ["birthDate"]))
}

test_hit_only_requester_may_not_try_out_dates if {
	framework.refusal(settings, asking("AE", "Person", {"name": 1, "birthDate": 2}, [])) == "query_shape_not_accepted"
}

test_hit_only_schema_may_not_be_tried_out if {
	query := asking("FR", "Vehicle", {"registrationNumber": 1, "buildDate": 1}, ["buildDate"])
	framework.refusal(settings, query) == "query_shape_not_accepted"
	not framework.refusal(settings, asking("FR", "Vehicle", {"registrationNumber": 2, "buildDate": 1}, []))
}

test_schema_outside_the_profile_may_not_be_tried_out if {
	query := asking("DE", "Passport", {"number": 1, "birthDate": 1}, ["birthDate"])
	framework.refusal(settings, query) == "query_shape_not_accepted"
}

test_properties_kept_by_clearance_or_sensitive_may_not_be_tried_out if {
	framework.refusal(settings, asking("FR", "Person", {"name": 1, "birthPlace": 2}, [])) == "query_shape_not_accepted"
	framework.refusal(settings, asking("FR", "Person", {"name": 1, "religion": 2}, [])) == "query_shape_not_accepted"
}

test_a_query_without_its_shape_is_not_refused_for_it if {
	bare := object.union(request("DE", "terrorism", []), {"query": {
		"schema": "Person",
		"properties": ["name", "birthDate"],
	}})
	not framework.refusal(settings, bare)
}

test_the_earlier_refusals_come_first if {
	framework.refusal(settings, asking("US", "Person", {"name": 1, "birthDate": 2}, [])) == "requester_not_trusted"
}

test_name_and_identifier_vocabularies_are_apart if {
	count(framework.name_properties & framework.identifier_properties) == 0
	"name" in framework.name_properties
	"fatherName" in framework.name_properties
	"passportNumber" in framework.identifier_properties
	"registrationNumber" in framework.identifier_properties
	not "birthDate" in framework.anchor_properties
}

describing(country, clearance) := {
	"node_country": "GR",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": clearance},
}

test_partner_sees_schemata_and_revision_but_no_counts_by_default if {
	framework.describe(settings, describing("DE", "confidential")) == {
		"schemata": true,
		"counts": false,
		"policy_revision": "unversioned",
	}
}

test_partner_listed_for_counts_sees_them if {
	counted := object.union(settings, {"describe": {"counts": ["FR"]}})
	framework.describe(counted, describing("FR", "restricted")).counts == true
	framework.describe(counted, describing("DE", "restricted")).counts == false
}

test_non_partner_and_low_clearance_learn_nothing if {
	counted := object.union(settings, {"describe": {"counts": ["FR", "US"]}})
	framework.describe(counted, describing("US", "secret")) == framework.described_to_nobody
	framework.describe(counted, describing("FR", "basic")) == {"schemata": false, "counts": false, "policy_revision": ""}
}

test_describe_without_a_requester_tells_nothing if {
	framework.describe(settings, {}) == framework.described_to_nobody
}

test_a_country_decides_the_search_in_its_input if {
	search := request("DE", "terrorism", [person])
	overrides := {"p1": {"disclosure": "none"}}
	framework.country_decision(settings, overrides) == framework.decide(settings, search, overrides) with input as search
}

test_without_a_search_a_country_refuses_and_nothing_leaves if {
	framework.country_decision(settings, {}) == {
		"policy_revision": "",
		"refused": true,
		"refusal_reason": "requester_not_trusted",
		"records": {},
	}
}

test_a_country_describes_itself_to_the_requester_in_its_input if {
	framework.country_description(settings) == framework.describe(settings, describing("DE", "confidential"))
		with input as describing("DE", "confidential")
	framework.country_description(settings).schemata with input as describing("DE", "confidential")
}

test_without_a_requester_a_country_tells_nothing if {
	framework.country_description(settings) == {"schemata": false, "counts": false, "policy_revision": ""}
}

# A batch of `items` (each {"query_id", "query", "records": [refs]}) from `country` over `records`.
batch(country, items, records) := {
	"node_country": "GR",
	"requester": {"country": country, "agency": "A", "investigator": "i-1", "clearance": "confidential"},
	"purpose": "terrorism",
	"records": records,
	"queries": items,
}

passport := {"ref": "d1", "schema": "Passport", "properties": {"number": ["P-1"]}, "flags": []}

plain_query := {"schema": "Person", "properties": ["name"], "value_counts": {"name": 1}, "partial_dates": []}

probing_query := {
	"schema": "Person",
	"properties": ["birthDate", "name"],
	"value_counts": {"birthDate": 3, "name": 1},
	"partial_dates": [],
}

test_each_query_of_a_batch_is_decided_as_its_own_search if {
	items := [
		{"query_id": "q1", "query": plain_query, "records": ["p1", "d1"]},
		{"query_id": "q2", "query": probing_query, "records": ["p1"]},
		{"query_id": "q3", "query": plain_query, "records": []},
	]
	decision := framework.country_decision(settings, {}) with input as batch("DE", items, [person, passport])
	decision.policy_revision == framework.revision
	every item in items {
		alone := object.union(request("DE", "terrorism", [r | some r in [person, passport]; r.ref in item.records]), {
			"query_id": item.query_id,
			"query": item.query,
		})
		decision.queries[item.query_id] == framework.decide(settings, alone, {})
	}
	decision.queries.q2.refusal_reason == "query_shape_not_accepted"
	not decision.queries.q1.refused
}

test_a_batch_refused_as_a_whole_refuses_every_query if {
	items := [{"query_id": "q1", "query": plain_query, "records": ["p1"]}]
	decision := framework.country_decision(settings, {}) with input as batch("US", items, [person])
	decision.queries.q1.refusal_reason == "requester_not_trusted"
	decision.queries.q1.records == {}
}

test_a_hit_only_partner_without_a_follow_up_profile_takes_no_follow_ups if {
	settings := {
		"profiles": {"prum": {"hit_only": true, "properties": {}}},
		"partners": {"AE": {"profile": "prum", "purposes": ["terrorism"]}},
		"follow_up": {},
	}
	request := {
		"stage": "follow_up", "step": "file", "legal_basis": "prum_core_data", "urgency": "normal",
		"requester": {"country": "AE", "clearance": "secret"}, "purpose": "terrorism",
	}
	framework.follow_up_decision(settings, request, {}).refusal_reason == "follow_up_not_accepted"
	without := framework.follow_up_decision(object.remove(settings, ["follow_up"]), request, {})
	without.refusal_reason == "follow_up_not_accepted"
}
