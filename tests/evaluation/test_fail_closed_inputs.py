"""Every object a user hands trustsim is checked at once (issue 17, items 1, 3 and 7).

Wrong Python types raise ``TypeError`` naming the parameter; wrong values the matching
``Invalid*`` error; policies must be of the right kind; booleans are ``bool``; deep values
are refused with a bounded message. The last test drives every public constructor and
option with values of the wrong type and shape, generated from the annotations.
"""

from __future__ import annotations

import datetime as dt
import inspect
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trustsim as ts
from trustsim import identities, testing
from trustsim.callers import InvalidCaller
from trustsim.conditions import check_condition
from trustsim.errors import TrustsimError
from trustsim.model import Effect, Policy, PolicyKind, Statement
from trustsim.parsing import parse_policy

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # the doors' **options annotation names it; trustsim imports it for type checkers only
    from typing_extensions import Unpack

A, B = "111122223333", "444455556666"
ROLE_ARN = f"arn:aws:iam::{A}:role/target"
NO_PRINCIPAL = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"},
}


# RCPs can only deny (an Allow is refused when parsed: docs/organizations.md).
RCP = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"},
}


def _policy(kind: str, document: dict[str, Any] = NO_PRINCIPAL) -> Policy:
    return parse_policy(RCP if kind == "rcp" else document, kind=kind)


NAMES = {
    "trust": "a trust policy",
    "identity": "an identity policy",
    "permissions-boundary": "a permissions boundary",
    "session": "a session policy",
    "scp": "an SCP",
    "rcp": "an RCP",
}


def _deep(depth: int = 1200) -> list[Any]:
    value: list[Any] = ["x"]
    for _ in range(depth):
        value = [value]
    return value


# ------------------------------------------------------------- item 1: policies of the right kind


@pytest.mark.parametrize("kind", ["identity", "scp", "rcp", "permissions-boundary", "session"])
def test_a_role_refuses_a_policy_that_is_not_a_trust_policy(kind: str) -> None:
    """On main, an identity (or hand-built SCP) policy as a trust policy trusted everyone."""
    policy = _policy(kind)
    with pytest.raises(
        InvalidCaller, match=rf"Role\.trust_policy: expected a trust policy, got {NAMES[kind]}"
    ):
        ts.Role(ROLE_ARN, policy)


def test_a_hand_built_scp_is_no_trust_policy_either() -> None:
    statement = Statement(Effect.ALLOW, action=("sts:AssumeRole",), resource=("*",))
    with pytest.raises(InvalidCaller, match="expected a trust policy, got an SCP"):
        ts.Role(ROLE_ARN, Policy((statement,), kind=PolicyKind.SCP))


@pytest.mark.parametrize(
    ("build", "field", "wanted"),
    [
        (
            lambda p: ts.IamUser(f"arn:aws:iam::{A}:user/u", policies=[p]),
            r"IamUser\.policies\[0\]",
            "identity",
        ),
        (
            lambda p: ts.IamUser(f"arn:aws:iam::{A}:user/u", permissions_boundary=p),
            r"IamUser\.permissions_boundary",
            "permissions-boundary",
        ),
        (
            lambda p: ts.RoleSession(f"arn:aws:iam::{A}:role/r", "s1", policies=[p]),
            r"RoleSession\.policies\[0\]",
            "identity",
        ),
        (
            lambda p: ts.RoleSession(f"arn:aws:iam::{A}:role/r", "s1", permissions_boundary=p),
            r"RoleSession\.permissions_boundary",
            "permissions-boundary",
        ),
        (
            lambda p: ts.RoleSession(f"arn:aws:iam::{A}:role/r", "s1", session_policy=p),
            r"RoleSession\.session_policy",
            "session",
        ),
        (
            lambda p: ts.OrgMembership("o-a1b2c3d4e5", scps=[[p]]),
            r"OrgMembership\.scps\[0\]\[0\]",
            "scp",
        ),
        (
            lambda p: ts.OrgMembership("o-a1b2c3d4e5", rcps=[[p]]),
            r"OrgMembership\.rcps\[0\]\[0\]",
            "rcp",
        ),
    ],
)
def test_every_caller_side_policy_must_be_of_its_kind(build: Any, field: str, wanted: str) -> None:
    """On main a trust-kind policy in IamUser(policies=[...]) counted as an identity Allow."""
    for kind in ("trust", "identity", "permissions-boundary", "session", "scp", "rcp"):
        document = TRUST if kind == "trust" else NO_PRINCIPAL
        policy = _policy(kind, document)
        if kind == wanted:
            build(policy)
            continue
        with pytest.raises(
            InvalidCaller, match=rf"{field}: expected {NAMES[wanted]}, got {NAMES[kind]}"
        ):
            build(policy)


@pytest.mark.parametrize(
    "value",
    [TRUST, '{"Statement": []}', "trust.json", Path("trust.json"), b"{}"],
    ids=["dict", "json-text", "path-text", "path", "bytes"],
)
def test_a_role_refuses_an_unloaded_policy_and_says_how_to_load_it(value: object) -> None:
    """On main these were accepted and failed at the first decision with AttributeError."""
    with pytest.raises(
        TypeError,
        match=r"Role\.trust_policy: expected a trustsim\.Policy.*load_policy\(path, kind='trust'\)",
    ):
        ts.Role(ROLE_ARN, value)  # type: ignore[arg-type]


def test_a_user_refuses_an_unloaded_identity_policy() -> None:
    with pytest.raises(
        TypeError, match=r"IamUser\.policies\[0\].*parse_policy\(document, kind='identity'\)"
    ):
        ts.IamUser(f"arn:aws:iam::{A}:user/u", policies=[NO_PRINCIPAL])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"IamUser\.policies\[0\]"):
        ts.IamUser(f"arn:aws:iam::{A}:user/u", policies=NO_PRINCIPAL)  # type: ignore[arg-type]


# ------------------------------------------------------------------------- item 3: booleans


@pytest.mark.parametrize("value", ["false", "true", 0, 1, "", [], None.__class__])
def test_mfa_flags_are_booleans_not_truthy_values(value: object) -> None:
    """On main ``mfa="false"`` set aws:MultiFactorAuthPresent to true."""
    user = ts.IamUser(f"arn:aws:iam::{A}:user/u")
    role = ts.Role(ROLE_ARN, parse_policy(TRUST))
    with pytest.raises(TypeError, match=r"mfa"):
        ts.assume_role(user, role, mfa=value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"IamUser\.mfa_authenticated"):
        ts.IamUser(f"arn:aws:iam::{A}:user/u", mfa_authenticated=value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"RoleSession\.mfa_authenticated"):
        ts.RoleSession(f"arn:aws:iam::{A}:role/r", "s1", mfa_authenticated=value)  # type: ignore[arg-type]


def test_an_int_mfa_does_not_share_the_memo_entry_of_true() -> None:
    user = ts.IamUser(f"arn:aws:iam::{A}:user/u")
    role = ts.Role(ROLE_ARN, parse_policy(TRUST))
    ts.assume_role(user, role, mfa=True)
    with pytest.raises(TypeError, match="mfa"):
        ts.assume_role(user, role, mfa=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "build",
    [
        lambda v: ts.OrgMembership("o-a1b2c3d4e5", management_account=v),
        lambda v: identities.GitHubActions("acme/app", branch="main", immutable_subject=v),
        lambda v: identities.GitHubActions("acme/app", pull_request=v),
        lambda v: identities.CognitoIdentity("us-east-2:1111", "us-east-2:aaaa", authenticated=v),
    ],
)
def test_other_flags_refuse_truthy_text(build: Callable[[object], object]) -> None:
    with pytest.raises(TypeError):
        build("false")


# ------------------------------------------------------------- item 7: wrong types at once


def _role() -> ts.Role:
    return ts.Role(ROLE_ARN, parse_policy(TRUST))


USER = ts.IamUser(f"arn:aws:iam::{A}:user/u")


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"at": "2025-01-01T00:00:00Z"}, "at"),
        ({"source_identity": 12}, "source_identity"),
        ({"tags": [("t", "v")]}, "tags"),
        ({"context": [("aws:SourceIp", "10.0.0.1")]}, "context"),
        ({"session_name": 123}, "session_name"),
        ({"external_id": 123}, "external_id"),
        ({"region": 1}, "region"),
        ({"source_ip": 167772161}, "source_ip"),
        ({"transitive_tag_keys": "team"}, "transitive_tag_keys"),
        (
            {"provided_contexts": "arn:aws:iam::aws:contextProvider/IdentityCenter"},
            "provided_contexts",
        ),
        ({"action": 5}, "action"),
    ],
)
def test_wrong_option_types_raise_a_type_error_naming_the_option(
    options: dict[str, Any], name: str
) -> None:
    """On main: AttributeError, a TypeError from deep inside, or an int stored as an IP."""
    for call in (ts.assume_role, ts.build_request):
        with pytest.raises(TypeError, match=rf"^{name}\b"):
            call(USER, _role(), **options)


@pytest.mark.parametrize(
    "options",
    [
        {"provided_contexts": ""},
        {"provided_contexts": {}},
        {"transitive_tag_keys": {}},
        {"tags": []},
    ],
    ids=repr,
)
def test_an_empty_option_of_the_wrong_type_is_refused_after_an_equal_call_without_it(
    options: dict[str, Any],
) -> None:
    """Before issue 18, ``provided_contexts=""`` or ``transitive_tag_keys={}`` (falsy) shared the
    memo entry of the same call without them, so a second call returned a request instead of
    the TypeError the first one raised."""
    at = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    role = ts.Role(ROLE_ARN, parse_policy(TRUST))
    for call in (ts.build_request, ts.assume_role):
        call(USER, role, at=at)
        with pytest.raises(TypeError, match=rf"^{next(iter(options))}: expected"):
            call(USER, role, at=at, **options)


def test_an_unknown_keyword_is_a_type_error_naming_it_and_the_nearest_option() -> None:
    for call in (ts.build_request, ts.assume_role):
        with pytest.raises(TypeError, match=r"'extrnal_id' \(did you mean 'external_id'\?\)"):
            call(USER, _role(), extrnal_id="tenant-42")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'colour'"):
        ts.check_action(USER, _role(), "sts:TagSession", colour="blue")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="multiple values for argument 'action'"):
        ts.check_action(USER, _role(), "sts:TagSession", action="sts:SetContext")  # type: ignore[misc]


@pytest.mark.parametrize(
    "build",
    [
        lambda v: ts.context.RequestContext.of({"k": v}),
        lambda v: ts.WebIdentity(f"arn:aws:iam::{A}:oidc-provider/auth.example.com", {"aud": v}),
        lambda v: ts.SamlIdentity(f"arn:aws:iam::{A}:saml-provider/Corp", {"saml:sub": v}),
        lambda v: check_condition({"StringEquals": {"k": v}}, {}),
        lambda v: ts.assume_role(USER, _role(), context={"k": v}),
    ],
)
def test_deep_values_are_refused_with_a_bounded_message(build: Callable[[object], object]) -> None:
    """On main each of these raised RecursionError (the refusal message repr'd the value)."""
    with pytest.raises((TypeError, TrustsimError)) as raised:
        build(_deep())
    assert len(str(raised.value)) < 2000


def test_session_and_claim_mappings_must_be_mappings() -> None:
    with pytest.raises(TypeError, match=r"RoleSession\.session_tags"):
        ts.RoleSession(f"arn:aws:iam::{A}:role/r", "s1", session_tags=[("t", "v")])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="claims"):
        ts.WebIdentity("auth.example.com", [("sub", "x")])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"RoleSession\.transitive_tag_keys"):
        ts.RoleSession(
            f"arn:aws:iam::{A}:role/r", "s1", session_tags={"team": "a"}, transitive_tag_keys="team"
        )  # type: ignore[arg-type]


def test_a_naive_time_is_a_wrong_value_and_text_a_wrong_type() -> None:
    with pytest.raises(ts.InvalidRequest, match="time zone"):
        ts.assume_role(USER, _role(), at=dt.datetime(2025, 1, 1))
    with pytest.raises(TypeError, match="fromisoformat"):
        ts.RoleSession(f"arn:aws:iam::{A}:role/r", "s1", issued_at="2025-01-01T00:00:00Z")  # type: ignore[arg-type]


def test_assert_helpers_check_their_own_parameters() -> None:
    role = _role()
    with pytest.raises(TypeError, match="sid"):
        testing.assert_allowed(USER, role, sid=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="decision"):
        testing.assert_denied(USER, role, decision=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a decision"):
        testing.assert_denied(USER, role, decision="Nope")
    with pytest.raises(TypeError, match="allowed"):
        testing.assert_only(role, allowed=USER)  # type: ignore[arg-type]


# ------------------------------------------- the property: every constructor, every option

_ARN_USER = f"arn:aws:iam::{A}:user/u"
_ROLE = ts.Role(ROLE_ARN, parse_policy(TRUST))
_WRONG_KINDS = [_policy(kind) for kind in ("identity", "scp", "session")] + [parse_policy(TRUST)]


#: Each public callable, with valid arguments to start from.
TARGETS: list[tuple[Callable[..., Any], dict[str, Any]]] = [
    (ts.IamUser, {"arn": _ARN_USER}),
    (ts.RoleSession, {"role_arn": f"arn:aws:iam::{A}:role/r", "session_name": "s1"}),
    (ts.Role, {"arn": ROLE_ARN, "trust_policy": parse_policy(TRUST)}),
    (ts.AccountRoot, {"account_id": A}),
    (ts.ServicePrincipal, {"name": "lambda.amazonaws.com"}),
    (ts.WebIdentity, {"provider": "auth.example.com"}),
    (ts.SamlIdentity, {"provider": f"arn:aws:iam::{A}:saml-provider/Corp"}),
    (ts.OrgMembership, {"org_id": "o-a1b2c3d4e5"}),
    (
        ts.requests.ProvidedContext,
        {"provider_arn": "arn:aws:iam::aws:contextProvider/IdentityCenter"},
    ),
    (ts.build_request, {"caller": USER, "role": _ROLE}),
    (ts.assume_role, {"caller": USER, "role": _ROLE}),
    (ts.check_action, {"caller": USER, "role": _ROLE, "action": "sts:TagSession"}),
    (identities.GitHubActions, {"repo": "acme/app", "branch": "main"}),
    (
        identities.EksServiceAccount,
        {"namespace": "ns", "service_account": "sa", "cluster_id": "ABC", "region": "us-east-1"},
    ),
    (
        identities.CognitoIdentity,
        {"identity_pool_id": "us-east-2:1111", "identity_id": "us-east-2:aaaa"},
    ),
    (identities.GoogleIdentity, {"sub": "1", "audience": "a"}),
    (identities.OidcIdentity, {"issuer": "https://auth.example.com", "sub": "s", "audience": "a"}),
    (check_condition, {"condition": {"StringEquals": {"k": "v"}}, "context": {"k": "v"}}),
]

_VALUES = st.one_of(
    st.integers(-3, 3),
    st.floats(allow_nan=False, width=16),
    st.text(max_size=4),
    st.binary(max_size=3),
    st.booleans(),
    st.none(),
    st.lists(st.integers(0, 2) | st.text(max_size=2), max_size=2),
    st.tuples(st.text(max_size=2)),
    st.dictionaries(st.text(max_size=2), st.integers(0, 2) | st.text(max_size=2), max_size=2),
    st.sets(st.text(max_size=2), max_size=2),
    st.sampled_from(
        [
            [("t", "v")],
            "2025-01-01T00:00:00Z",
            "false",
            dt.datetime(2025, 1, 1),  # a naive time is one of the wrong values
            dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
            Path("trust.json"),
            NO_PRINCIPAL,
            object(),
            USER,
            _ROLE,
            *_WRONG_KINDS,
            [_WRONG_KINDS[0]],
            [[_WRONG_KINDS[1]]],
        ]
    ),
    st.builds(_deep, st.integers(5, 1500)),
)


def _hints(target: Callable[..., Any]) -> dict[str, Any]:
    function = target.__init__ if isinstance(target, type) else target  # type: ignore[misc]
    names = {n: getattr(ts, n) for n in ts.__all__}
    hints = typing.get_type_hints(function, localns={**names, "Unpack": Unpack})
    hints.pop("return", None)
    unpacked = hints.pop("options", None)
    if unpacked is not None:  # **options: Unpack[SomeOptions]: every option is a parameter
        (options,) = typing.get_args(unpacked)
        hints.update(typing.get_type_hints(options))
    return hints


def _use(made: object) -> None:
    """Everything a user does next with what was built: nothing may fail any more."""
    if isinstance(made, ts.Outcome):
        made.explain().to_text()
        str(made), repr(made), bool(made)
        return
    if isinstance(made, ts.Role):
        made = ts.assume_role(USER, made)
        made.explain()
        return
    if isinstance(
        made,
        (
            ts.IamUser,
            ts.RoleSession,
            ts.AccountRoot,
            ts.ServicePrincipal,
            ts.WebIdentity,
            ts.SamlIdentity,
        ),
    ):
        hash(made), repr(made)
        ts.assume_role(made, _ROLE).explain()
        return
    if isinstance(made, ts.OrgMembership):
        ts.assume_role(ts.IamUser(_ARN_USER, org=made), _ROLE).explain()
        return
    if isinstance(made, ts.requests.ProvidedContext):
        ts.assume_role(USER, _ROLE, provided_contexts=[made]).explain()
        return
    repr(made)


@settings(max_examples=600, deadline=None)
@given(
    target=st.sampled_from(TARGETS),
    data=st.data(),
)
def test_wrong_values_for_any_parameter_fail_at_once_with_type_or_invalid_errors(
    target: tuple[Callable[..., Any], dict[str, Any]], data: st.DataObject
) -> None:
    """Only TypeError and trustsim's Invalid* errors, raised by the constructor or the call;
    what was built without error is used (decided, explained, hashed) without any error."""
    function, base = target
    hints = _hints(function)
    name = data.draw(st.sampled_from(sorted(hints)), label="parameter")
    value = data.draw(_VALUES, label="value")
    arguments = {**base, name: value}
    try:
        made = function(**arguments)
    except (TypeError, TrustsimError):
        return
    except ValueError as error:  # only the ValueError subclasses trustsim means
        raise AssertionError(f"{function.__name__}({name}={value!r}): {error!r}") from error
    _use(made)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: getattr(t[0], "__name__", "?"))
def test_every_parameter_has_an_annotation_the_property_reads(
    target: tuple[Callable[..., Any], dict[str, Any]],
) -> None:
    """The property draws its parameters from the annotations: none may be left out."""
    function, _ = target
    parameters = {
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind is not inspect.Parameter.VAR_KEYWORD
    }
    assert parameters <= set(_hints(function))
