"""Account IDs, numbers and dates in a policy are written in ASCII digits.

Python's ``\\d``, ``str.isdigit`` and ``Decimal`` accept the digits of other scripts
(``Decimal("٣")`` is 3); AWS documents account IDs as 12 digits and numeric and date values
in ASCII forms, and nowhere reads other digits. A policy using them is refused (fail
closed) rather than read as an account or a number.
"""

from __future__ import annotations

import pytest

from trustsim import InvalidPolicy, parse_policy
from trustsim.callers import IamUser
from trustsim.errors import InvalidCaller

ARABIC_INDIC = "٣" * 12  # twelve ARABIC-INDIC DIGIT THREE: str.isdigit() is True


def _trust(principal: str, condition: dict[str, object] | None = None) -> dict[str, object]:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": statement}


@pytest.mark.parametrize(
    "principal", [ARABIC_INDIC, f"arn:aws:iam::{ARABIC_INDIC}:root"], ids=["id", "root-arn"]
)
def test_an_account_in_other_digits_is_not_a_principal(principal: str) -> None:
    with pytest.raises(InvalidPolicy, match="MALFORMED_PRINCIPAL"):
        parse_policy(_trust(principal))


@pytest.mark.parametrize(
    ("operator", "key", "value", "code"),
    [
        ("NumericLessThan", "aws:MultiFactorAuthAge", "٣٦٠٠", "INVALID_NUMERIC_VALUE"),
        ("DateLessThan", "aws:CurrentTime", "٢٠٣٠-01-01T00:00:00Z", "INVALID_DATE_VALUE"),
        ("DateLessThan", "aws:CurrentTime", "١٩٠٠٠٠٠٠٠٠", "INVALID_DATE_VALUE"),
    ],
)
def test_a_number_or_date_in_other_digits_is_refused(
    operator: str, key: str, value: str, code: str
) -> None:
    document = _trust("arn:aws:iam::111122223333:root", {operator: {key: value}})
    with pytest.raises(InvalidPolicy, match=code):
        parse_policy(document)
    ascii_value = value.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    parse_policy(_trust("arn:aws:iam::111122223333:root", {operator: {key: ascii_value}}))


def test_a_caller_in_an_account_of_other_digits_is_refused() -> None:
    with pytest.raises(InvalidCaller):
        IamUser(f"arn:aws:iam::{ARABIC_INDIC}:user/bot")
