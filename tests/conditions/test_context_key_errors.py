"""Tests for mutants of trustsim/context.py that the first mutation run left alive."""

from __future__ import annotations

import pytest

from trustsim.context import RequestContext
from trustsim.errors import InvalidContext


def test_keys_differing_only_in_case_are_refused_naming_both() -> None:
    with pytest.raises(InvalidContext) as raised:
        RequestContext.of({"aws:SourceIp": "1.2.3.4", "AWS:sourceip": "5.6.7.8"})
    assert str(raised.value) == (
        "context keys 'aws:SourceIp' and 'AWS:sourceip' differ only in case; "
        "IAM treats them as one key"
    )


def test_a_missing_key_raises_key_error_naming_the_key_as_asked() -> None:
    with pytest.raises(KeyError) as raised:
        RequestContext.of({"aws:SourceIp": "1.2.3.4"})["STS:ExternalId"]
    assert raised.value.args == ("STS:ExternalId",)
