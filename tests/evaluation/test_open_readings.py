"""The open readings issue 17 settled (docs/fidelity.md, "Open readings settled").

- An IPv4-mapped IPv6 source (``::ffff:10.0.0.1``) against IPv4 blocks is unreadable for the
  clause: no match, positive and negated alike, with a diagnostic — never a silent miss.
- IP values in a policy are standard CIDR: a netmask or hostmask after the slash and a
  zero-padded prefix are refused (IAM documents neither; Python's ``ipaddress`` reads both).
- ``aws:CurrentTime`` and ``aws:EpochTime`` overridden through ``context=`` stay coherent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import trustsim as ts
from trustsim.conditions import check_condition
from trustsim.errors import InvalidPolicy
from trustsim.parsing import parse_policy

A = "111122223333"
ALICE = ts.IamUser(f"arn:aws:iam::{A}:user/alice")


def _role(*statements: dict[str, Any]) -> ts.Role:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return ts.Role(f"arn:aws:iam::{A}:role/r", parse_policy(document))


ALLOW_ALICE = {"Effect": "Allow", "Principal": {"AWS": ALICE.arn}, "Action": "sts:AssumeRole"}


def _deny_from(operator: str, block: str) -> dict[str, Any]:
    return {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
        "Condition": {operator: {"aws:SourceIp": block}},
    }


# ------------------------------------------------------------------------- IPv4-mapped IPv6


@pytest.mark.parametrize("operator", ["IpAddress", "NotIpAddress"])
def test_a_mapped_address_against_an_ipv4_block_is_flagged_not_silently_skipped(
    operator: str,
) -> None:
    """On main the Deny on 10.0.0.0/8 was skipped for ::ffff:10.0.0.1 with no diagnostic."""
    role = _role(ALLOW_ALICE, _deny_from(operator, "10.0.0.0/8"))
    outcome = ts.assume_role(ALICE, role, source_ip="::ffff:10.0.0.1")
    # Decision 9: the clause matches neither way, so neither Deny applies.
    assert outcome.allowed
    (note,) = outcome.errors
    assert note.code == "UNREADABLE_REQUEST_VALUE"
    assert "IPv4-mapped" in note.message
    assert "reading 9" in note.message
    assert any("IPv4-mapped" in line for line in outcome.explain().errors)


@pytest.mark.parametrize(
    ("source", "matched"),
    [("10.0.0.1", True), ("::ffff:10.0.0.1", None), ("2001:db8::1", False), ("11.0.0.1", False)],
)
def test_how_each_source_meets_an_ipv4_and_an_ipv6_block(source: str, matched: bool | None) -> None:
    result = check_condition(
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": source}
    )
    assert result.matched is bool(matched)
    assert bool(result.diagnostics) is (matched is None)
    # Against IPv6 blocks only, a mapped address is an ordinary IPv6 address.
    mapped_block = check_condition(
        {"IpAddress": {"aws:SourceIp": "::ffff:0:0/96"}}, {"aws:SourceIp": "::ffff:10.0.0.1"}
    )
    assert mapped_block.matched
    assert mapped_block.diagnostics == ()


# ---------------------------------------------------------------------- CIDR forms in policies


@pytest.mark.parametrize(
    "block",
    [
        "10.0.0.0/255.0.0.0",
        "10.0.0.0/0.255.255.255",
        "10.0.0.0/08",
        "10.0.0.0/008",
        "2001:db8::/064",
        "10.0.0.0/",
        "010.0.0.1",
    ],
)
def test_netmask_and_zero_padded_cidrs_are_refused(block: str) -> None:
    with pytest.raises(InvalidPolicy, match="CIDR"):
        _role(ALLOW_ALICE, _deny_from("IpAddress", block))


@pytest.mark.parametrize(
    "block", ["10.0.0.0/8", "10.0.0.0/16", "10.1.2.3", "2001:db8::/64", "10.0.0.5/8"]
)
def test_standard_cidrs_and_bare_addresses_are_read(block: str) -> None:
    role = _role(ALLOW_ALICE, _deny_from("IpAddress", block))
    assert ts.assume_role(ALICE, role, source_ip="192.0.2.1").allowed
    everyone = _role(ALLOW_ALICE, _deny_from("IpAddress", "0.0.0.0/0"))
    assert ts.assume_role(ALICE, everyone, source_ip="192.0.2.1").decision == "ExplicitDeny"


# ----------------------------------------------------------------- coherent time overrides

AT = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("override", "current", "epoch"),
    [
        ({"aws:CurrentTime": "2026-01-01T00:00:00Z"}, "2026-01-01T00:00:00Z", "1767225600"),
        (
            {
                "AWS:currenttime": dt.datetime(
                    2026, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))
                )
            },
            "2026-01-01T00:00:00Z",
            "1767225600",
        ),
        ({"aws:EpochTime": "1767225600"}, "2026-01-01T00:00:00Z", "1767225600"),
        ({"aws:epochtime": 1767225600}, "2026-01-01T00:00:00Z", "1767225600"),
        (
            {"aws:CurrentTime": "2026-01-01T00:00:00Z", "aws:EpochTime": "5"},
            "2026-01-01T00:00:00Z",
            "5",
        ),
        ({"aws:CurrentTime": "not a time"}, "not a time", None),
        ({"aws:EpochTime": "soon"}, None, "soon"),
        ({}, "2026-06-01T12:00:00Z", "1780315200"),
    ],
)
def test_an_overridden_time_key_brings_the_other_along(
    override: dict[str, Any], current: str | None, epoch: str | None
) -> None:
    context = ts.build_request(ALICE, _role(ALLOW_ALICE), at=AT, context=override).context
    assert context.get_values("aws:CurrentTime") == (None if current is None else (current,))
    assert context.get_values("aws:EpochTime") == (None if epoch is None else (epoch,))


def test_a_policy_on_epoch_time_follows_an_overridden_current_time() -> None:
    """On main aws:EpochTime stayed the real time while aws:CurrentTime was overridden."""
    before_2027 = {**ALLOW_ALICE, "Condition": {"NumericLessThan": {"aws:EpochTime": "1798761600"}}}
    role = _role(before_2027)
    assert ts.assume_role(ALICE, role, at=AT).allowed
    later = {"aws:CurrentTime": "2030-01-01T00:00:00Z"}
    assert not ts.assume_role(ALICE, role, at=AT, context=later).allowed
