"""The caches keyed by a caller's value never change an answer (issue 5; cache behaviour).

Callers are frozen all the way down (their mappings are read-only ``FrozenDict``s), so they
hash by value. ``build_request``/``assume_role`` keep the derivation of each call by value and
the evaluator decides a caller with the plans of the equal caller it saw first: a caller built
afresh for each call costs no new derivation. None of that may ever change an answer: these
tests build equal and nearly equal callers in both orders and compare with fresh evaluations.
"""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trustsim as ts
from tests.support import corpus, reference
from trustsim import _request_derivation as requests
from trustsim.callers import (
    IamUser,
    OrgMembership,
)
from trustsim.errors import InvalidRequest
from trustsim.evaluation import fast
from trustsim.identities import GitHubActions
from trustsim.parsing import parse_policy

AT = dt.datetime(2026, 11, 29, 12, 0, 0, tzinfo=dt.timezone.utc)
ROLE_ARN = "arn:aws:iam::111122223333:role/deploy"
USER_ARN = "arn:aws:iam::444455556666:user/alice"


def _role(condition: dict[str, Any]) -> ts.Role:
    return ts.Role(
        ROLE_ARN,
        parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                    "Action": ["sts:AssumeRole", "sts:TagSession"],
                    "Condition": condition,
                },
            }
        ),
    )


_ALLOW_ALL = parse_policy(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"}},
    kind="identity",
)


def _alice(**fields: Any) -> IamUser:
    return IamUser(USER_ARN, policies=[_ALLOW_ALL], **fields)


# ----------------------------------------------------------------------------- request memo


def test_an_equal_call_keeps_the_caller_it_was_given() -> None:
    role = _role({"StringEquals": {"sts:ExternalId": "tenant-42"}})
    first = ts.assume_role(_alice(), role, external_id="tenant-42", at=AT)
    again_caller = _alice()
    again = ts.assume_role(again_caller, role, external_id="tenant-42", at=AT)
    assert first.allowed
    assert again.allowed
    assert again.request.caller is again_caller
    assert again.request.context == first.request.context


def test_calls_differing_in_one_option_are_decided_each_on_its_own() -> None:
    role = _role({"StringEquals": {"sts:ExternalId": "tenant-42"}})
    for _ in range(2):
        assert ts.assume_role(_alice(), role, external_id="tenant-42", at=AT).allowed
        assert not ts.assume_role(_alice(), role, external_id="tenant-43", at=AT).allowed
        assert not ts.assume_role(_alice(), role, at=AT).allowed
        later = AT + dt.timedelta(seconds=1)
        context = ts.build_request(_alice(), role, external_id="tenant-42", at=later).context
        assert context["aws:CurrentTime"] == ("2026-11-29T12:00:01Z",)


@pytest.mark.parametrize("order", [("blue", "red"), ("red", "blue")])
def test_callers_differing_only_in_tags_are_not_confused(order: tuple[str, str]) -> None:
    role = _role({"StringEquals": {"aws:PrincipalTag/team": "blue"}})
    for _ in range(2):
        for team in order:
            outcome = ts.assume_role(_alice(tags={"team": team}), role, at=AT)
            assert outcome.allowed is (team == "blue")
            assert outcome.request.context["aws:PrincipalTag/team"] == (team,)


def test_session_tags_in_the_key_keep_their_order_and_values() -> None:
    role = _role({"StringEquals": {"aws:RequestTag/team": "blue"}})
    for _ in range(2):
        allowed = ts.assume_role(_alice(), role, tags={"team": "blue", "env": "x"}, at=AT)
        denied = ts.assume_role(_alice(), role, tags={"team": "red", "env": "x"}, at=AT)
        assert allowed.allowed
        assert not denied.allowed
        swapped = ts.build_request(_alice(), role, tags={"env": "x", "team": "blue"}, at=AT)
        assert swapped.context["aws:TagKeys"] == ("env", "team")


def test_a_refused_call_is_refused_every_time() -> None:
    role = _role({})
    for _ in range(2):
        with pytest.raises(InvalidRequest, match="ExternalId"):
            ts.assume_role(_alice(), role, external_id="x", at=AT)
        with pytest.raises(InvalidRequest, match="session tag"):
            ts.assume_role(_alice(), role, tags={"team": ["not", "text"]}, at=AT)  # type: ignore[dict-item]


def test_explicit_context_entries_are_read_on_every_call() -> None:
    role = _role({"StringEquals": {"aws:SourceVpc": "vpc-1"}})
    entries = {"aws:SourceVpc": "vpc-1"}
    assert ts.assume_role(_alice(), role, at=AT, context=entries).allowed
    entries["aws:SourceVpc"] = "vpc-2"
    assert not ts.assume_role(_alice(), role, at=AT, context=entries).allowed


def test_the_request_memo_is_bounded_and_stays_right_past_its_bound() -> None:
    role = _role({"StringEquals": {"sts:ExternalId": "tenant-42"}})
    for second in range(requests._PREPARED_SIZE + 10):
        when = AT + dt.timedelta(seconds=second)
        assert ts.assume_role(_alice(), role, external_id="tenant-42", at=when).allowed
        assert len(requests._PREPARED) <= requests._PREPARED_SIZE
    assert not ts.assume_role(_alice(), role, external_id="other-id", at=AT).allowed


def test_web_identity_requests_hold_the_resolved_token() -> None:
    role = ts.Role(
        ROLE_ARN,
        parse_policy(
            {
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {
                        "Federated": "arn:aws:iam::111122223333:oidc-provider/"
                        "token.actions.githubusercontent.com"
                    },
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"
                        }
                    },
                }
            }
        ),
    )
    for _ in range(2):
        outcome = ts.assume_role(GitHubActions("acme/app", branch="main"), role, at=AT)
        assert outcome.allowed
        assert outcome.request.caller.provider.startswith("arn:aws:iam::111122223333:")  # type: ignore[union-attr]
        assert not ts.assume_role(GitHubActions("acme/app", branch="dev"), role, at=AT).allowed


# ----------------------------------------------------------------------------- evaluator


def test_a_prebuilt_request_of_an_equal_caller_is_kept_once_decided_again() -> None:
    role = _role({})
    ts.assume_role(_alice(), role, at=AT)  # the first caller of this value
    request = ts.build_request(_alice(), role, at=AT)
    ts.evaluate(request)
    assert id(request) not in fast.BY_REQUEST
    ts.evaluate(request)
    assert fast.BY_REQUEST[id(request)][0] is request


def test_a_request_of_an_equal_caller_decided_once_is_not_kept_alive() -> None:
    role = _role({})
    ts.assume_role(_alice(), role, at=AT)
    outcome = ts.assume_role(_alice(), role, at=AT)
    assert outcome.allowed
    request = weakref.ref(outcome.request)
    del outcome
    gc.collect()
    assert request() is None


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), order=st.randoms(use_true_random=False))
def test_fresh_callers_in_any_order_decide_as_the_reference(seed: int, order: Any) -> None:
    """Every case of a generated corpus, decided twice with callers built afresh each time, in
    a random order, answers as tests/support/reference.py does for that request."""
    cases = corpus.generate(24, seed)
    roles = [corpus.make_role(case) for case in cases]
    calls = list(zip(cases, roles, strict=True)) * 2
    order.shuffle(calls)
    for case, role in calls:
        outcome = ts.assume_role(
            corpus.make_caller(case["caller"]), role, at=corpus.AT, **case["options"]
        )
        expected = reference.decide(*corpus.reference_args(case, outcome.request))
        assert outcome.decision.value == expected


# ----------------------------------------------------------------------------- principal keys


@pytest.mark.parametrize("order", [(None, True, False), (True, False, None), (False, None, True)])
def test_the_caller_keys_of_an_equal_caller_follow_the_mfa_option(
    order: tuple[bool | None, ...],
) -> None:
    role = _role({})
    expected = {None: None, True: ("true",), False: ("false",)}
    clock = iter(range(1, 100))
    for _ in range(2):
        for mfa in order:
            # A new time for every call: the request memo misses, the caller keys are reused.
            when = AT + dt.timedelta(seconds=next(clock))
            context = ts.build_request(_alice(), role, mfa=mfa, at=when).context
            assert context.get("aws:MultiFactorAuthPresent") == expected[mfa]
            assert context["aws:CurrentTime"] == (when.strftime("%Y-%m-%dT%H:%M:%SZ"),)


def test_reused_caller_keys_equal_freshly_derived_ones() -> None:
    """Every case of a corpus, derived with the caller-key memo warm and then cold, at times
    never used before (so the request memo never answers): the same keys, values, spellings,
    multi-valued keys and order."""
    from trustsim import _derive  # noqa: PLC0415

    cases = corpus.generate(80, 3)
    roles = [corpus.make_role(case) for case in cases]

    def keys(days: int, *, cold: bool) -> list[list[tuple[str, tuple[str, ...], bool]]]:
        result = []
        for case, role in zip(cases, roles, strict=True):
            if cold:
                _derive._FRAGMENTS.clear()
                requests._PREPARED.clear()
            when = corpus.AT + dt.timedelta(days=days)
            caller = corpus.make_caller(case["caller"])
            context = ts.build_request(caller, role, at=when, **case["options"]).context
            result.append([(k, v, context.is_multivalued(k)) for k, v in context.items()])
        return result

    keys(1, cold=False)  # every caller's keys now known
    warm = keys(2, cold=False)
    assert warm == keys(2, cold=True)


def test_reused_caller_keys_keep_their_multi_valued_keys_and_spellings() -> None:
    path = "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"
    role = _role({})
    for day in (1, 2):  # the second derivation reuses the first one's caller keys
        caller = _alice(tags={"CostCenter": "42"}, org=OrgMembership("o-a1b2c3d4e5", paths=[path]))
        context = ts.build_request(caller, role, at=AT + dt.timedelta(days=day)).context
        assert context.is_multivalued("aws:PrincipalOrgPaths")
        assert context["aws:PrincipalOrgPaths"] == (path,)
        assert "aws:PrincipalTag/CostCenter" in context.to_dict()
