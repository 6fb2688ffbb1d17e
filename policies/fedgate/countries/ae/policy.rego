# METADATA
# title: United Arab Emirates
# description: |
#   What the United Arab Emirates release to a federated search. Owned by the UAE
#   (Ministry of Interior). Passports are answered hit/no-hit only; birth dates leave
#   as a year; only investigators with "restricted" clearance or more are answered.
package fedgate.countries.ae

import data.fedgate.countries.ae.settings
import data.fedgate.framework

# Records about minors are not even mentioned outside the country.
overrides[record.ref] := {"disclosure": "none"} if {
	input.requester.country != "AE"
	some record in input.records
	"minor" in record.flags
}

# METADATA
# description: The UAE's decision on one search; nothing leaves unless it is allowed here.
# entrypoint: true
decision := framework.country_decision(settings, overrides)

# METADATA
# description: The United Arab Emirates's decision on a follow-up after a hit, within what its officer approved.
# entrypoint: true
follow_up := framework.country_follow_up(settings, overrides)

# METADATA
# description: What the UAE tell an investigator about themselves; nothing unless it is allowed here.
# entrypoint: true
describe := framework.country_description(settings)

# METADATA
# description: The record properties whose values The UAE's rules read (settings "reads"); no other value is sent.
# entrypoint: true
reads := framework.country_reads(settings)
