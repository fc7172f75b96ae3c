"""Every way the wildcard matcher searches a `?`-chunk gives the naive reference's answers.

Fast-path behaviour (tests/speed/): the search settings are forced so that each way answers
nearly every search, and the compiled-pattern cache is cleared around them. Every pattern over
``{a, b, *, ?}`` up to five characters against every subject over ``{a, b}`` up to six
characters (docs/semantics.md §5.4).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.support.reference_conditions import wildcard_match
from trustsim import wildcard
from trustsim.wildcard import clear_pattern_cache, compile_pattern

PATTERNS = ["".join(chars) for size in range(6) for chars in itertools.product("ab*?", repeat=size)]
SUBJECTS = ["".join(chars) for size in range(7) for chars in itertools.product("ab", repeat=size)]


#: Ways of searching a `?`-chunk, forced so that each one answers nearly every search:
#: the Shift-And scan with masks built by or-ing ints, the same with masks built through bytes
#: (the way of chunks wider than SMALL_WIDTH), and no masks at all (chunks past MASK_CELLS),
#: where the candidates go on being checked.
SEARCHES = {
    "scan": {"CANDIDATE_BUDGET": 1},
    "scan, masks through bytes": {"CANDIDATE_BUDGET": 1, "SMALL_WIDTH": 0},
    "candidates only": {"CANDIDATE_BUDGET": 1, "MASK_CELLS": 0},
}


@pytest.fixture
def search(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Patch the search settings; masks are built at compile time, so the cache is cleared."""
    for name, value in SEARCHES[request.param].items():
        monkeypatch.setattr(wildcard, name, value)
    clear_pattern_cache()
    yield
    clear_pattern_cache()


@pytest.mark.parametrize("search", list(SEARCHES), indirect=True)
@pytest.mark.parametrize("size", range(6))
@pytest.mark.usefixtures("search")
def test_every_small_pattern_agrees_with_the_reference_whatever_the_search(size: int) -> None:
    """Every way of finding a `?`-chunk gives the reference's answers (issue 9)."""
    for pattern in (p for p in PATTERNS if len(p) == size):
        for match in (compile_pattern(pattern), compile_pattern(pattern.upper(), ignore_case=True)):
            wrong = [s for s in SUBJECTS if match(s) is not wildcard_match(pattern, s)]
            assert not wrong, f"{pattern!r} disagrees with the reference on {wrong[:5]}"
