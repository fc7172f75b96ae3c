"""RequestContext.merged and .without, pinned down (mutation testing found them loosely tested).

IAM condition keys are case-insensitive and a key is multi-valued when the request carries a
list for it (docs/semantics.md §5.12; ``aws:TagKeys``); merging explicit entries over a derived
context, or dropping keys, must keep both facts for every key it does not touch.
"""

from __future__ import annotations

from trustsim.context import RequestContext

BASE = RequestContext.of(
    {"aws:TagKeys": ["team", "env"], "sts:ExternalId": "x", "Aws:SourceIp": "10.0.0.1"}
)


def test_merging_a_context_keeps_its_single_and_multi_valued_keys_as_they_are() -> None:
    override = RequestContext.of({"sts:ExternalId": "y", "x:list": ["a"]})
    merged = BASE.merged(override)
    assert merged["STS:EXTERNALID"] == ("y",)
    assert not merged.is_multivalued("sts:ExternalId")  # still one value, not a list of one
    assert merged.is_multivalued("x:list")
    assert merged == BASE.merged({"sts:ExternalId": "y", "x:list": ["a"]})


def test_merging_keeps_untouched_multi_valued_keys_multi_valued() -> None:
    merged = BASE.merged({"x:other": "1"})
    assert merged.is_multivalued("aws:TagKeys")
    assert merged["aws:tagkeys"] == ("team", "env")
    assert not merged.is_multivalued("x:other")


def test_an_override_replaces_the_multi_valuedness_of_a_key_of_any_case() -> None:
    merged = BASE.merged({"AWS:TAGKEYS": "team"})
    assert merged["aws:TagKeys"] == ("team",)
    assert not merged.is_multivalued("aws:TagKeys")
    assert merged.original_key("aws:tagkeys") == "AWS:TAGKEYS"
    again = merged.merged({"aws:TagKeys": ["a", "b"]})
    assert again.is_multivalued("aws:TagKeys")


def test_without_drops_keys_of_any_case_and_keeps_the_rest_intact() -> None:
    smaller = BASE.without("AWS:TAGKEYS", "x:absent")
    assert "aws:TagKeys" not in smaller
    assert not smaller.is_multivalued("aws:TagKeys")
    assert smaller.lookup("aws:tagkeys") is None
    assert smaller.lookup("sts:externalid") == ("x",)
    assert smaller.lookup("sts:ExternalId") is None  # lookup takes an already folded key
    assert smaller["sts:ExternalId"] == ("x",)
    assert smaller.original_key("aws:sourceip") == "Aws:SourceIp"
    assert smaller.to_dict() == {"sts:ExternalId": "x", "Aws:SourceIp": "10.0.0.1"}
    assert len(smaller) == 2


def test_without_keeps_multi_valued_keys_it_does_not_drop() -> None:
    smaller = BASE.without("sts:ExternalId")
    assert smaller.is_multivalued("aws:TagKeys")
    assert smaller.to_dict() == {"aws:TagKeys": ["team", "env"], "Aws:SourceIp": "10.0.0.1"}


def test_booleans_become_the_lower_case_text_aws_sends() -> None:
    """AWS sends booleans as ``"true"``/``"false"`` (aws:MultiFactorAuthPresent, §6.1)."""
    context = RequestContext.of(
        {"aws:SecureTransport": True, "x:flag": False, "x:flags": [True, False]}
    )
    assert context["aws:SecureTransport"] == ("true",)
    assert context["x:flag"] == ("false",)
    assert context["x:flags"] == ("true", "false")
    assert "x:absent" not in context
    assert 1 not in context
