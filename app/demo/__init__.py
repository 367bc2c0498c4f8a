"""Demo data: generated tickets for `make run` and the benchmarks; not part of the ticket domain."""
