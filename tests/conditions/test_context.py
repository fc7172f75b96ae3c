"""RequestContext: case-insensitive keys, text values, single vs multi-valued (DESIGN §3.2)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim.context import RequestContext, normalize_key
from trustsim.errors import InvalidContext


def test_keys_are_case_insensitive_including_the_tag_key_part() -> None:
    # docs/semantics.md §5.2: key names, the tag-key part of aws:RequestTag/<k> included, ignore case.
    ctx = RequestContext.of({"aws:RequestTag/CostCenter": "42"})
    assert ctx.get_values("AWS:requesttag/costcenter") == ("42",)
    assert "aws:REQUESTTAG/COSTCENTER" in ctx
    assert ctx["aws:requesttag/CostCenter"] == ("42",)


def test_values_keep_their_case() -> None:
    # docs/semantics.md §5.2: tag values are case-sensitive.
    ctx = RequestContext.of({"aws:PrincipalTag/team": "Blue"})
    assert ctx["aws:principaltag/team"] == ("Blue",)


def test_a_list_makes_a_key_multivalued_even_with_one_element() -> None:
    ctx = RequestContext.of({"aws:TagKeys": ["a"], "sts:ExternalId": "x"})
    assert ctx.is_multivalued("aws:tagkeys")
    assert ctx["aws:TagKeys"] == ("a",)
    assert not ctx.is_multivalued("sts:ExternalId")
    assert not ctx.is_multivalued("aws:SourceIp")  # absent keys are not multi-valued


def test_an_empty_list_is_a_present_multivalued_key_with_no_values() -> None:
    ctx = RequestContext.of({"aws:TagKeys": []})
    assert "aws:TagKeys" in ctx
    assert ctx["aws:TagKeys"] == ()
    assert ctx.is_multivalued("aws:TagKeys")


def test_sets_are_sorted_for_a_stable_order() -> None:
    ctx = RequestContext.of({"aws:TagKeys": {"b", "a"}})
    assert ctx["aws:TagKeys"] == ("a", "b")


def test_scalars_become_the_text_aws_sends() -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    ctx = RequestContext.of(
        {"aws:MultiFactorAuthPresent": False, "aws:MultiFactorAuthAge": 30, "aws:CurrentTime": when}
    )
    assert ctx["aws:MultiFactorAuthPresent"] == ("false",)
    assert ctx["aws:MultiFactorAuthAge"] == ("30",)
    assert ctx["aws:CurrentTime"] == ("2026-01-02T01:04:05Z",)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (None, "leave the key out"),
        ({"nested": "x"}, "leave the key out"),
        (1.5, "got float"),
        ([["a"]], "got list"),
        (b"x", "got bytes"),
        (dt.datetime(2026, 1, 1), "needs a time zone"),
    ],
)
def test_values_of_a_shape_aws_never_sends_are_refused(value: object, fragment: str) -> None:
    with pytest.raises(InvalidContext, match=fragment):
        RequestContext.of({"aws:SourceIp": value})  # type: ignore[dict-item]


def test_keys_differing_only_in_case_are_refused() -> None:
    with pytest.raises(InvalidContext, match="differ only in case"):
        RequestContext.of({"sts:ExternalId": "a", "STS:EXTERNALID": "b"})


def test_empty_key_is_refused() -> None:
    with pytest.raises(InvalidContext, match="non-empty string"):
        RequestContext.of({"": "x"})


def test_merged_overrides_a_key_of_any_case_and_keeps_the_rest() -> None:
    base = RequestContext.of({"aws:PrincipalTag/Team": "blue", "aws:SourceIp": "10.0.0.1"})
    merged = base.merged({"AWS:principaltag/team": "red"})
    assert merged["aws:PrincipalTag/team"] == ("red",)
    assert merged["aws:SourceIp"] == ("10.0.0.1",)
    assert len(merged) == 2
    assert base["aws:PrincipalTag/team"] == ("blue",)  # the original is unchanged


def test_without_removes_keys_of_any_case() -> None:
    ctx = RequestContext.of({"aws:SourceIp": "10.0.0.1", "sts:ExternalId": "x"}).without(
        "AWS:SOURCEIP"
    )
    assert list(ctx) == ["sts:ExternalId"]


def test_to_dict_round_trips() -> None:
    given_values = {"sts:ExternalId": "x", "aws:TagKeys": ["a", "b"]}
    assert RequestContext.of(given_values).to_dict() == given_values
    assert RequestContext.of(RequestContext.of(given_values).to_dict()) == RequestContext.of(
        given_values
    )


def test_missing_key_raises_key_error() -> None:
    with pytest.raises(KeyError):
        RequestContext.of({})["aws:SourceIp"]


_keys = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20)


@given(key=_keys, value=st.text(max_size=10), data=st.data())
def test_lookup_ignores_case_for_any_key(key: str, value: str, data: st.DataObject) -> None:
    variant = "".join(
        data.draw(st.sampled_from([c.lower(), c.upper()])) if c.isascii() else c for c in key
    )
    ctx = RequestContext.of({key: value})
    assert ctx.get_values(variant) == (value,)
    assert normalize_key(variant) == normalize_key(key)
