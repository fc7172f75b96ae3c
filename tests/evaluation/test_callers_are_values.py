"""Callers and their mappings are values: compared and hashed by value, frozen all the way down.

Callers' mappings are read-only ``FrozenDict``s, so every caller kind hashes by value, pickles
and copies as itself, and cannot be changed after use (issue 5). The caches keyed by that value
are pinned in tests/speed/test_value_keyed_caches.py.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from trustsim._frozen import FrozenDict
from trustsim.callers import (
    AccountRoot,
    Anonymous,
    IamUser,
    OrgMembership,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.identities import GitHubActions
from trustsim.parsing import parse_policy

USER_ARN = "arn:aws:iam::444455556666:user/alice"
_ALLOW_ALL = parse_policy(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"}},
    kind="identity",
)


def _alice(**fields: Any) -> IamUser:
    return IamUser(USER_ARN, policies=[_ALLOW_ALL], **fields)


def _every_kind() -> list[Any]:
    okta = "arn:aws:iam::111122223333:saml-provider/Okta"
    return [
        _alice(tags={"team": "blue"}, org=OrgMembership("o-a1b2c3d4e5")),
        RoleSession(
            "arn:aws:iam::444455556666:role/ci",
            "run-1",
            role_tags={"team": "blue"},
            session_tags={"project": "x"},
            transitive_tag_keys=["project"],
            carried_keys={"saml:sub": "jdoe"},
        ),
        AccountRoot("444455556666"),
        Anonymous(),
        ServicePrincipal("lambda.amazonaws.com", source_account="111122223333"),
        GitHubActions("acme/app", branch="main"),
        WebIdentity("accounts.google.com", {"sub": "1", "amr": ["a", "b"]}),
        SamlIdentity(okta, {"saml:sub": "jdoe", "saml:edupersonaffiliation": "staff"}),
    ]


def test_a_frozen_dict_reads_compares_and_prints_as_a_dict() -> None:
    tags = FrozenDict({"team": "blue", "env": "prod"})
    assert tags == {"env": "prod", "team": "blue"}
    assert repr(tags) == "{'team': 'blue', 'env': 'prod'}"
    assert hash(tags) == hash(FrozenDict({"env": "prod", "team": "blue"}))
    assert {tags: 1}[FrozenDict(team="blue", env="prod")] == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("team", "red"),
        lambda d: d.__delitem__("team"),
        lambda d: d.update(team="red"),
        lambda d: d.setdefault("other", "x"),
        lambda d: d.pop("team"),
        lambda d: d.popitem(),
        lambda d: d.clear(),
        lambda d: d.__ior__({"team": "red"}),
    ],
)
def test_a_frozen_dict_refuses_every_change(change: Any) -> None:
    tags = FrozenDict({"team": "blue"})
    with pytest.raises(TypeError, match="read-only"):
        change(tags)
    assert tags == {"team": "blue"}


def test_a_frozen_dict_pickles_and_copies_as_itself() -> None:
    tags = FrozenDict({"team": "blue"})
    unpickled = pickle.loads(pickle.dumps(tags))  # noqa: S301 - our own bytes
    for copied in (unpickled, copy.copy(tags), copy.deepcopy(tags)):
        assert type(copied) is FrozenDict
        assert copied == tags
        assert hash(copied) == hash(tags)


def test_every_caller_kind_hashes_by_value() -> None:
    for first, second in zip(_every_kind(), _every_kind(), strict=True):
        assert first is not second
        assert first == second
        assert hash(first) == hash(second)
        assert len({first, second}) == 1
        unpickled = pickle.loads(pickle.dumps(first))  # noqa: S301 - our own bytes
        assert unpickled == first
        assert hash(unpickled) == hash(first)


def test_the_mappings_of_a_caller_cannot_be_changed_after_use() -> None:
    alice = _alice(tags={"team": "blue"})
    with pytest.raises(TypeError, match="read-only"):
        alice.tags["team"] = "red"  # type: ignore[index]
    token = GitHubActions("acme/app", branch="main")
    with pytest.raises(TypeError, match="read-only"):
        token.claims["sub"] = "repo:evil/app:ref:refs/heads/main"  # type: ignore[index]


def test_a_resolved_web_identity_hashes_like_one_built_resolved() -> None:
    bare = GitHubActions("acme/app", branch="main")
    resolved = bare.resolved_for("111122223333")
    built = GitHubActions("acme/app", branch="main", account_id="111122223333")
    assert resolved == built
    assert hash(resolved) == hash(built)
    assert GitHubActions("acme/app", branch="main").resolved_for("111122223333") is resolved
