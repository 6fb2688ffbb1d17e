# fedgate's follow-up framework: the second step after a hit (Prüm II), a reasoned follow-up request
# decided by the owning country's officer and then by its policy. A country's `follow_up` entry point is
# `country_follow_up` of its settings and record rules. The policy may release more than a search would (a
# country answering searches hit/no-hit may release core data after a follow-up), never more than the
# officer approved.
package fedgate.framework

# The laws a follow-up may rely on (the contract's LegalBasis).
legal_bases := {
	"prum_core_data",
	"eu_information_exchange",
	"mutual_legal_assistance",
	"interpol_rpd",
	"bilateral_agreement",
}

urgencies := {"normal", "urgent"}

# What a country's "follow_up" settings say when they leave something out: due within 48 hours (8 when urgent),
# closed unanswered after 30 days, every legal basis accepted, each partner's search profile.
follow_up_defaults := {
	"due_hours": {"normal": 48, "urgent": 8},
	"expire_hours": 720,
	"legal_bases": legal_bases,
	"profiles": {},
}

follow_up_settings(settings) := object.union(follow_up_defaults, settings.follow_up)

# The profile a partner's follow-ups are released under: its own follow-up profile if the country names one,
# else its search profile. "" for a country that takes no follow-ups from this requester.
follow_up_profile(settings, country) := name if {
	name := settings.follow_up.profiles[country]
} else := name if {
	name := partner_profile(settings, country)
	not settings.profiles[name].hit_only
} else := ""

# METADATA
# description: |
#   Why a follow-up is refused whatever the record, undefined when it may be decided: the search's
#   requester-level refusals, then a country that takes no follow-ups (none at all, or none from this
#   requester: a partner answered hit/no-hit takes them only under a follow-up profile), then the legal basis.
follow_up_refusal(settings, request) := reason if {
	reason := refusal(settings, request)
} else := "follow_up_not_accepted" if {
	not settings.follow_up
} else := "follow_up_not_accepted" if {
	follow_up_profile(settings, request.requester.country) == ""
} else := "follow_up_not_accepted" if {
	not settings.profiles[follow_up_profile(settings, request.requester.country)]
} else := "legal_basis_not_accepted" if {
	not request.legal_basis in {basis | some basis in follow_up_settings(settings).legal_bases}
}

# The requester's terms for a follow-up: its follow-up profile, no query (nothing is matched) and no score.
# (object.union merges objects: the search profile is removed first, so nothing of it carries over.)
follow_up_terms(settings, request) := object.union(object.remove(requester_terms(settings, request), ["profile"]), {
	"profile": settings.profiles[follow_up_profile(settings, request.requester.country)],
	"query_anchors": [],
	"hit_only_score": "none",
})

# METADATA
# description: |
#   One record's follow-up decision, of the same shape as a search's: released are the properties its
#   profile releases (as for a search: neither sensitive nor kept by clearance) that the officer approved;
#   every other property it holds is withheld with a reason: not asked for, then the policy's reason,
#   then not approved by the officer. A record the country's rules answer hit-only releases nothing.
follow_up_record(terms, record, override, request) := not_mentioned if {
	override.disclosure == "none"
} else := object.union(hit_only(terms, record, reason), {"match_on": []}) if {
	reason := hit_only_reason(terms, record, override)
} else := decision if {
	present := present_properties(record)
	requested := {name | some name in request.requested}
	approved := {name | some name in request.approved} & requested
	permitted := listed(object.get(terms.profile.properties, record.schema, []), present)
	allowed := (permitted - sensitive_properties) - terms.clearance_denied
	release := allowed & approved
	policy_reasons := withheld_reasons(terms, permitted, present - allowed)
	withheld := object.union_n([
		{name: "not_approved_by_officer" | some name in ((present - release) & requested)},
		{name: reason | some name, reason in policy_reasons; name in requested},
		{name: "not_requested" | some name in (present - requested)},
	])
	generalise := {name: method | some name, method in object.get(terms.profile, "generalise", {}); name in release}
	decision := {
		"disclosure": follow_up_level(release, withheld),
		"release": sort([name | some name in release]),
		"generalise": generalise,
		"withheld": withheld,
		"match_on": [],
		"score": follow_up_score(release),
	}
}

follow_up_level(release, withheld) := "hit_only" if count(release) == 0

else := level(withheld)

follow_up_score(release) := "none" if count(release) == 0

else := "released"

# METADATA
# description: |
#   A follow-up's decision. Step "file": {"policy_revision", "refused", "refusal_reason", "due_hours",
#   "expire_hours", "records": {}}, the hours from the urgency. Step "decide": {"policy_revision", "refused",
#   "refusal_reason", "records": {ref: decision}} for the record and the officer's approval in the input.
follow_up_decision(settings, request, overrides) := refused_decision(reason) if {
	reason := follow_up_refusal(settings, request)
} else := {
	"policy_revision": revision,
	"refused": false,
	"refusal_reason": "",
	"due_hours": follow_up_settings(settings).due_hours[request.urgency],
	"expire_hours": follow_up_settings(settings).expire_hours,
	"records": {},
} if {
	request.step == "file"
} else := {
	"policy_revision": revision,
	"refused": false,
	"refusal_reason": "",
	"records": {record.ref: follow_up_record(terms, record, object.get(overrides, record.ref, {}), request) |
		some record in request.records
	},
} if {
	request.step == "decide"
	terms := follow_up_terms(settings, request)
}

# METADATA
# description: |
#   A country's decision on the follow-up in `input` (stage "follow_up"): what each country's `follow_up`
#   entry point is. `undecided` when nothing can be decided; undefined, as a search's, when the input lacks
#   the values of a property the country reads.
country_follow_up(settings, overrides) := decision if {
	not values_missing(settings)
	input.stage == "follow_up"
	decision := follow_up_decision(settings, input, overrides)
} else := undecided if {
	not values_missing(settings)
}
