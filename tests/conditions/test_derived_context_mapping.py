"""trustsim/_derive.py: the lazily spelled derived context behaves as a plain mapping."""

from __future__ import annotations

import pytest

from trustsim._derive import _Spelling


def test_spellings_read_like_a_mapping_of_the_keys_present() -> None:
    values = {"aws:principalarn": ("arn:aws:iam::111122223333:user/a",), "x:custom": ("1",)}
    spelling = _Spelling(values)
    spelling["x:custom"] = "X:Custom"
    assert dict(spelling) == {"aws:principalarn": "aws:PrincipalArn", "x:custom": "X:Custom"}
    assert len(spelling) == 2
    assert spelling.get("aws:sourceip") is None
    assert spelling.get("aws:sourceip", "?") == "?"
    with pytest.raises(KeyError):
        spelling["aws:sourceip"]
    del spelling["x:custom"]
    with pytest.raises(KeyError):
        spelling["x:custom"]  # written spelling gone and no fixed one: the key reads as unknown
