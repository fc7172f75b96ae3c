"""Property tests: production code against the naive oracles, and metamorphic properties."""
