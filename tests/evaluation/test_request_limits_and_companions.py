"""Building the call: STS input limits, and the companion actions explicit context entries imply.

Through ``build_request`` / ``assume_role`` / ``check_action`` only: what is asserted is the
refusal message, the companion actions and the decision, not how they are computed.
"""

from __future__ import annotations

import datetime as _dt

import pytest

from trustsim.callers import IamUser, Role, RoleSession
from trustsim.decision import Decision
from trustsim.errors import InvalidRequest
from trustsim.parsing import parse_policy
from trustsim.requests import assume_role, build_request, check_action

A = "111111111111"
BUILDER_ARN = f"arn:aws:iam::{A}:role/ci/Builder"
ROLE_ARN = f"arn:aws:iam::{A}:role/Target"
IDENTITY_CENTER = "arn:aws:iam::aws:contextProvider/IdentityCenter"

ASSUME_ONLY = Role(
    ROLE_ARN,
    parse_policy(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": BUILDER_ARN}, "Action": "sts:AssumeRole"}
            ]
        }
    ),
)
EVERY_COMPANION = Role(
    ROLE_ARN,
    parse_policy(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": BUILDER_ARN},
                    "Action": [
                        "sts:AssumeRole",
                        "sts:TagSession",
                        "sts:SetSourceIdentity",
                        "sts:SetContext",
                    ],
                }
            ]
        }
    ),
)
PLAIN_SESSION = RoleSession(BUILDER_ARN, "run-1")
SESSION_WITH_SOURCE = RoleSession(BUILDER_ARN, "run-1", source_identity="alice")


@pytest.mark.parametrize(
    "at",
    [
        _dt.datetime(9999, 12, 31, 23, tzinfo=_dt.timezone(_dt.timedelta(hours=-5))),
        _dt.datetime(1, 1, 1, 0, 30, tzinfo=_dt.timezone(_dt.timedelta(hours=5))),
    ],
)
def test_a_call_time_outside_the_calendar_in_utc_is_refused(at: _dt.datetime) -> None:
    """§6.2: ``aws:CurrentTime`` is UTC; a time with no UTC reading cannot be a request time."""
    with pytest.raises(InvalidRequest, match="is outside the calendar once moved to UTC"):
        build_request(PLAIN_SESSION, ASSUME_ONLY, at=at)


def test_at_most_fifty_transitive_tag_keys_are_accepted() -> None:
    """[DOC STS-API TransitiveTagKeys]: "Maximum number of 50 items"."""
    with pytest.raises(InvalidRequest, match=r"^51 transitive tag keys; at most 50$"):
        build_request(PLAIN_SESSION, ASSUME_ONLY, tags={"a": "1"}, transitive_tag_keys=["a"] * 51)
    fifty = build_request(
        PLAIN_SESSION, ASSUME_ONLY, tags={"a": "1"}, transitive_tag_keys=["a"] * 50
    )
    assert fifty.companion_actions == ("sts:TagSession",)


@pytest.mark.parametrize(
    ("context", "companions"),
    [
        ({"aws:RequestTag/team": "blue"}, ("sts:TagSession",)),
        ({"sts:RequestContext/user": "alice"}, ("sts:SetContext",)),
        (
            {"aws:TagKeys": ["team"], "sts:RequestContextProviders": [IDENTITY_CENTER]},
            ("sts:TagSession", "sts:SetContext"),
        ),
        ({"sts:TransitiveTagKeys": ["team"]}, ("sts:TagSession",)),
        ({"sts:SourceIdentity": "alice"}, ("sts:SetSourceIdentity",)),
        ({"x:unrelated": "1"}, ()),
    ],
)
def test_explicit_context_entries_imply_the_companion_actions_they_need(
    context: dict[str, object], companions: tuple[str, ...]
) -> None:
    """§4.11: passing session tags (``aws:RequestTag/…``, ``aws:TagKeys``,
    ``sts:TransitiveTagKeys``) needs sts:TagSession, a source identity sts:SetSourceIdentity and
    provided contexts sts:SetContext, however the keys were given."""
    request = build_request(PLAIN_SESSION, ASSUME_ONLY, context=context)  # type: ignore[arg-type]
    assert request.companion_actions == companions
    expected = Decision.ALLOW if not companions else Decision.IMPLICIT_DENY
    assert assume_role(PLAIN_SESSION, ASSUME_ONLY, context=context).decision is expected  # type: ignore[arg-type]
    assert assume_role(PLAIN_SESSION, EVERY_COMPANION, context=context).decision is Decision.ALLOW  # type: ignore[arg-type]


def test_a_chained_session_with_a_source_identity_sets_it_again() -> None:
    """§4.12 and reading 11: a session that carries a source identity passes it on to the
    next role, which counts as setting it, so the trust policy must allow
    sts:SetSourceIdentity — with or without explicit context entries."""
    outcome = assume_role(SESSION_WITH_SOURCE, ASSUME_ONLY)
    assert outcome.decision is Decision.IMPLICIT_DENY
    assert outcome.actions == ("sts:AssumeRole", "sts:SetSourceIdentity")
    assert "sts:SetSourceIdentity" in outcome.reason
    with_context = build_request(SESSION_WITH_SOURCE, ASSUME_ONLY, context={"x:other": "1"})
    assert with_context.companion_actions == ("sts:SetSourceIdentity",)
    assert assume_role(SESSION_WITH_SOURCE, EVERY_COMPANION).decision is Decision.ALLOW
    # The assume action alone is granted: check_action adds no companion.
    assert check_action(SESSION_WITH_SOURCE, ASSUME_ONLY, "sts:AssumeRole").allowed


def test_an_aws_source_identity_entry_is_no_companion_for_a_long_term_caller() -> None:
    """Only a chained session passes a source identity on (§4.12); for an IAM user an
    ``aws:SourceIdentity`` entry sets nothing, while ``sts:SourceIdentity`` does."""
    user = IamUser(f"arn:aws:iam::{A}:user/u")
    assert (
        build_request(user, ASSUME_ONLY, context={"aws:SourceIdentity": "b0b"}).companion_actions
        == ()
    )
    assert build_request(
        user, ASSUME_ONLY, context={"sts:SourceIdentity": "b0b"}
    ).companion_actions == ("sts:SetSourceIdentity",)
