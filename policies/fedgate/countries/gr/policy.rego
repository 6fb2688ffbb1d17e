# METADATA
# title: Greece
# description: |
#   What Greece releases to a federated search. Owned by Greece (Hellenic Police).
#   Persons are answered hit/no-hit only (Prüm-style), except to EU partners hunting
#   fugitives or terrorists; documents and vehicles are shared more freely.
package fedgate.countries.gr

import data.fedgate.countries.gr.settings
import data.fedgate.framework

person_details_allowed if {
	input.requester.country in framework.eu_member_states
	input.purpose in {"fugitive", "terrorism"}
}

overrides[record.ref] := {"disclosure": "hit_only", "reason": "hit_only_schema"} if {
	not person_details_allowed
	some record in input.records
	record.schema == "Person"
}

# METADATA
# description: Greece's decision on one search; nothing leaves unless it is allowed here.
# entrypoint: true
decision := framework.country_decision(settings, overrides)

# METADATA
# description: Greece's decision on a follow-up after a hit, within what its officer approved.
# entrypoint: true
follow_up := framework.country_follow_up(settings, overrides)

# METADATA
# description: What Greece tells an investigator about itself; nothing unless it is allowed here.
# entrypoint: true
describe := framework.country_description(settings)

# METADATA
# description: The record properties whose values Greece's rules read (settings "reads"); no other value is sent.
# entrypoint: true
reads := framework.country_reads(settings)
