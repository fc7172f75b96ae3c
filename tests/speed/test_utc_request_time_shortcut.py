"""A request time already in UTC is taken as it is: exactly what the full check returns.

``_checked_time`` answers a plain ``datetime`` in ``timezone.utc`` without calling
``expect_time``; that shortcut may only save time, never change the value (the memo key and
the derived ``aws:CurrentTime`` read it).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from trustsim._inputs import expect_time
from trustsim._request_derivation import _checked_time
from trustsim.errors import InvalidRequest

_UTC_TIMES = st.datetimes(timezones=st.just(dt.timezone.utc), allow_imaginary=False).flatmap(
    lambda at: st.sampled_from([at, at.replace(fold=1)])
)


@given(at=_UTC_TIMES)
def test_a_utc_time_is_what_the_full_check_returns(at: dt.datetime) -> None:
    full = expect_time("at", at, InvalidRequest)
    assert _checked_time(at) == full
    assert _checked_time(at).fold == full.fold  # type: ignore[union-attr]
    assert _checked_time(at).tzinfo is full.tzinfo  # type: ignore[union-attr]


@given(
    at=st.datetimes(
        min_value=dt.datetime(1000, 1, 1),
        max_value=dt.datetime(9000, 1, 1),
        timezones=st.timezones(),
    )
)
def test_other_zones_still_take_the_full_check(at: dt.datetime) -> None:
    assert _checked_time(at) == expect_time("at", at, InvalidRequest)
    assert _checked_time(at).tzinfo is dt.timezone.utc
