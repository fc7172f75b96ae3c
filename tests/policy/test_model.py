"""The policy model's own rules: operator-name splitting and small value helpers."""

from __future__ import annotations

import pytest

from trustsim.arn import Arn
from trustsim.model import BASE_OPERATORS, Principal, SetQualifier, parse_operator_name


@pytest.mark.parametrize("base", sorted(BASE_OPERATORS))
def test_every_base_operator_parses_plain_and_with_both_qualifiers(base: str) -> None:
    assert parse_operator_name(base) is not None
    for qualifier in SetQualifier:
        op = parse_operator_name(f"{qualifier.value}:{base}")
        assert op is not None
        assert (op.base, op.qualifier, op.if_exists) == (base, qualifier, False)


@pytest.mark.parametrize("base", sorted(BASE_OPERATORS - {"Null"}))
def test_if_exists_is_split_off(base: str) -> None:
    op = parse_operator_name(f"ForAnyValue:{base}IfExists")
    assert op is not None
    assert (op.base, op.if_exists) == (base, True)


@pytest.mark.parametrize(
    "name",
    [
        "NullIfExists",  # docs/semantics.md §2.6: IfExists is not allowed on Null
        "ForAnyValue::StringEquals",  # double colon
        "ForAnyValues:StringEquals",  # misspelt qualifier
        "ForAllValues:ForAnyValue:StringEquals",
        "stringequals",  # reading 5b: only the documented spelling
        "StringEqualsIfExistsIfExists",
        "IfExists",
        "StringMatches",
        "",
    ],
)
def test_names_iam_does_not_accept_are_refused(name: str) -> None:
    assert parse_operator_name(name) is None


def test_principal_is_empty_only_when_it_names_nobody() -> None:
    assert Principal().is_empty
    assert not Principal(star=True).is_empty
    assert not Principal(federated=("accounts.google.com",)).is_empty


@pytest.mark.parametrize(
    "text", ["arn:aws:iam::1", "aws:iam::111122223333:root", "arn:aws:iam:111122223333:root"]
)
def test_arn_parse_refuses_non_arns(text: str) -> None:
    with pytest.raises(ValueError, match="not an ARN"):
        Arn.parse(text)
    assert Arn.try_parse(text) is None


def test_arn_resource_keeps_colons() -> None:
    arn = Arn.parse("arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/x")
    assert arn.resource == "store/abc:111122223333:finance/x"
    assert str(arn) == "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/x"
