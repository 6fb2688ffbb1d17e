# METADATA
# title: Ukraine
# description: |
#   What Ukraine releases to a federated search. Owned by Ukraine (National Police).
#   European partners receive persons with birth dates to the month; records about
#   Ukrainian nationals stay hit-only outside the European Union.
package fedgate.countries.ua

import data.fedgate.countries.ua.settings
import data.fedgate.framework

overrides[record.ref] := {"disclosure": "hit_only", "reason": "not_shared_with_requester"} if {
	not input.requester.country in framework.eu_member_states
	input.requester.country != "UA"
	some record in input.records
	"ua" in object.get(record, ["values", "nationality"], [])
}

# METADATA
# description: Ukraine's decision on one search; nothing leaves unless it is allowed here.
# entrypoint: true
decision := framework.country_decision(settings, overrides)

# METADATA
# description: Ukraine's decision on a follow-up after a hit, within what its officer approved.
# entrypoint: true
follow_up := framework.country_follow_up(settings, overrides)

# METADATA
# description: What Ukraine tells an investigator about itself; nothing unless it is allowed here.
# entrypoint: true
describe := framework.country_description(settings)

# METADATA
# description: The record properties whose values Ukraine's rules read (settings "reads"); no other value is sent.
# entrypoint: true
reads := framework.country_reads(settings)
