"""The request context build_request derives is an ordinary RequestContext (issue 5).

Request building writes the keys it spells itself straight into the folded form, with their
spellings looked up lazily (trustsim/_derive.py). These properties check that the result is
indistinguishable from building the same entries through ``RequestContext.of``: the same
values by folded key, the same spellings, the same multi-valued keys, the same order.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from trustsim.callers import Caller, Role
from trustsim.context import RequestContext
from trustsim.requests import build_request
from trustsim.strategies import callers, request_options, roles
from trustsim.testing import RequestOptions

AT = dt.datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)


@st.composite
def _calls(draw: st.DrawFn) -> tuple[Caller, Role, RequestOptions]:
    caller = draw(callers())
    return caller, draw(roles()), draw(request_options(caller))


def _same(derived: RequestContext, rebuilt: RequestContext) -> None:
    assert list(derived.folded.items()) == list(rebuilt.folded.items())
    assert list(derived) == list(rebuilt)  # spellings, in order
    for key in derived:
        assert derived.original_key(key.upper()) == key
        assert derived.is_multivalued(key) == rebuilt.is_multivalued(key)
    assert derived.to_dict() == rebuilt.to_dict()
    assert derived == rebuilt


@settings(max_examples=300)
@given(_calls())
def test_derived_context_equals_the_same_entries_built_by_of(
    call: tuple[Caller, Role, RequestOptions],
) -> None:
    caller, role, options = call
    options = {**options, "at": AT}
    derived = build_request(caller, role, **options).context  # type: ignore[arg-type]
    _same(derived, RequestContext.of(derived.to_dict()))


@settings(max_examples=100)
@given(
    _calls(),
    st.dictionaries(
        st.sampled_from(["aws:PrincipalArn", "aws:SourceIp", "x:Extra"]),
        st.text(min_size=1),
        max_size=2,
    ),
)
def test_derived_context_merged_and_trimmed_like_a_built_one(
    call: tuple[Caller, Role, RequestOptions], extra: dict[str, str]
) -> None:
    """Explicit entries replace derived keys; ``without`` drops them; spellings follow."""
    caller, role, options = call
    options = {**options, "at": AT}
    derived = build_request(caller, role, **options).context  # type: ignore[arg-type]
    rebuilt = RequestContext.of(derived.to_dict())
    _same(derived.merged(extra), rebuilt.merged(extra))
    _same(derived.without("aws:principalarn"), rebuilt.without("AWS:PrincipalArn"))
