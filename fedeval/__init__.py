"""The evaluations fedgate is measured by — data sets, the matching evaluation, attack and load drivers, network
faults — shared by `bench/` (which runs them at full size and commits the results) and `tests/` (which check them)."""
