"""Fuzzing the request builders: arbitrary context values and caller fields.

Issue 9 (fail closed): whatever a user passes to :meth:`RequestContext.of`, the caller
constructors, :func:`build_request` and then :func:`evaluate`, the only exceptions allowed out
are the documented ones — :class:`InvalidContext` (a context value of a shape AWS never sends),
:class:`InvalidCaller` (a caller AWS never produces) and :class:`InvalidRequest` (a call STS
refuses). A request that is built is evaluated against a trust policy with a condition of every
operator family over the keys the fuzz sets: unreadable request values must end in a decision
(docs/semantics.md, reading 9), never in an exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz._support import ANY_TEXT, FUZZ_EXAMPLES
from trustsim.callers import (
    AccountRoot,
    Anonymous,
    Caller,
    IamUser,
    InvalidCaller,
    OrgMembership,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.context import RequestContext
from trustsim.decision import Decision
from trustsim.errors import InvalidContext, InvalidRequest
from trustsim.evaluation import evaluate
from trustsim.identities import (
    CognitoIdentity,
    EksServiceAccount,
    GitHubActions,
    GoogleIdentity,
    OidcIdentity,
)
from trustsim.parsing import parse_policy
from trustsim.requests import ProvidedContext, build_request

pytestmark = pytest.mark.property

FUZZ = settings(max_examples=FUZZ_EXAMPLES)
#: The documented refusals: a value of the wrong Python type is a TypeError naming the
#: parameter (docs/fidelity.md, "What trustsim accepts from you"), a wrong value an Invalid*.
REQUEST_ERRORS = (InvalidContext, InvalidCaller, InvalidRequest, TypeError)
ACCOUNT = "111122223333"

#: Keys a trap policy tests and the fuzz sets, so that fuzzed values meet every operator.
TRAP_KEYS = [
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:TokenIssueTime",
    "aws:SourceIp",
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "aws:PrincipalArn",
    "aws:SourceArn",
    "aws:TagKeys",
    "aws:RequestTag/team",
    "sts:ExternalId",
    "sts:RoleSessionName",
    "sts:SourceIdentity",
    "x:binary",
]


def _trap_policy() -> Any:
    statements: list[dict[str, Any]] = []
    for effect, operators in (
        (
            "Allow",
            {
                "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
                "DateLessThanEquals": {"aws:TokenIssueTime": "2999-01-01"},
                "NumericLessThan": {"aws:EpochTime": "99999999999", "aws:MultiFactorAuthAge": 3600},
                "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"},
                "StringLike": {
                    "sts:RoleSessionName": "*a?b*",
                    "aws:RequestTag/team": "${aws:username}",
                },
                "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]},
                "BinaryEquals": {"x:binary": "QUJD"},
            },
        ),
        (
            "Deny",
            {
                "DateNotEquals": {"aws:CurrentTime": "2020-01-01"},
                "NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"},
                "NumericGreaterThanEquals": {"aws:EpochTime": -5},
                "ArnNotEquals": {"aws:SourceArn": "arn:aws:s3:::bucket"},
                "StringNotEqualsIgnoreCase": {
                    "sts:ExternalId": ["Secret", "${sts:RoleSessionName}"]
                },
                "ForAnyValue:StringNotLike": {"aws:TagKeys": "t*"},
                "Null": {"sts:SourceIdentity": "false"},
            },
        ),
    ):
        for operator, block in operators.items():
            statements.append(
                {
                    "Effect": effect,
                    "Principal": {"AWS": [ACCOUNT, "*"]},
                    "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                    "Condition": {operator: block},
                }
            )
    for federated in (
        "cognito-identity.amazonaws.com",
        "accounts.google.com",
        f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
        f"arn:aws:iam::{ACCOUNT}:saml-provider/Corp",
    ):
        statements.append(  # noqa: PERF401 - a loop reads better than a comprehension here
            {
                "Effect": "Allow",
                "Principal": {"Federated": federated},
                "Action": ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"],
                "Condition": {
                    "DateGreaterThan": {"aws:CurrentTime": "2020-01-01"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"},
                },
            }
        )
    statements.append(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    )
    return {"Version": "2012-10-17", "Statement": statements}


def _assembled(document: Any) -> Any:
    """The policy, parsed statement by statement and put together in Python.

    Every operator family in one trust policy makes 4,563 characters, over the 4,096 IAM saves
    (``POLICY_TOO_LARGE``, issue 20); the engine is fuzzed on the same statements all the same.
    """
    parts = [
        parse_policy({"Version": document["Version"], "Statement": statement})
        for statement in document["Statement"]
    ]
    statements = tuple(
        attrs.evolve(part.statements[0], index=index, pointer=f"/Statement/{index}")
        for index, part in enumerate(parts)
    )
    return attrs.evolve(parts[0], statements=statements)


TRAP_ROLE = Role(
    f"arn:aws:iam::{ACCOUNT}:role/trap",
    _assembled(_trap_policy()),
    tags={"team": "blue", "env": "prod"},
)

# Datetimes AWS could carry: aware ones in any zone, plus naive ones (refused).
AWARE_TIMES = st.datetimes(
    min_value=dt.datetime(2, 1, 1),
    max_value=dt.datetime(9998, 12, 31),
    timezones=st.sampled_from(
        [
            dt.timezone.utc,
            dt.timezone(dt.timedelta(hours=-23, minutes=-59)),
            dt.timezone(dt.timedelta(hours=14)),
        ]
    ),
)
TIMES = AWARE_TIMES | st.datetimes()

#: Values of one context key: the documented scalars, containers of them, and shapes AWS never
#: sends (None, dicts, floats, bytes, nested lists) that must be refused as InvalidContext.
CONTEXT_SCALARS = ANY_TEXT | st.booleans() | st.integers() | TIMES
VALID_CONTEXT_VALUES = (
    CONTEXT_SCALARS
    | st.lists(CONTEXT_SCALARS, max_size=4)
    | st.lists(CONTEXT_SCALARS, max_size=4).map(tuple)
    | st.frozensets(ANY_TEXT, max_size=4)
    | st.sets(st.integers(), max_size=4)
)
WILD_CONTEXT_VALUES = (
    st.none()
    | st.floats()
    | st.binary(max_size=4)
    | st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=2)
    | st.lists(st.lists(ANY_TEXT, max_size=2) | st.none(), min_size=1, max_size=2)
)
CONTEXT_VALUES = VALID_CONTEXT_VALUES | WILD_CONTEXT_VALUES
CONTEXT_KEYS = st.sampled_from(TRAP_KEYS) | ANY_TEXT


@st.composite
def contexts(draw: st.DrawFn) -> dict[Any, Any]:
    """A context mapping of documented values, sometimes with one entry AWS never sends."""
    mapping: dict[Any, Any] = draw(st.dictionaries(CONTEXT_KEYS, VALID_CONTEXT_VALUES, max_size=6))
    if draw(st.booleans()):
        mapping[draw(CONTEXT_KEYS | st.integers() | st.none())] = draw(CONTEXT_VALUES)
    return mapping


CONTEXTS = contexts()


def _built_or_refused(build: Callable[[], Any]) -> Any:
    """Run ``build``; only a value or one of the documented request errors may come out."""
    try:
        return build()
    except REQUEST_ERRORS as error:
        refusal = error
    assert str(refusal), "a refusal says why"
    return refusal


# --- RequestContext.of ----------------------------------------------------------------------


@FUZZ
@given(CONTEXTS)
def test_any_context_mapping_is_built_or_refused(mapping: dict[Any, Any]) -> None:
    context = _built_or_refused(lambda: RequestContext.of(mapping))
    if not isinstance(context, RequestContext):
        return
    assert len(context) == len(mapping)
    for key, value in mapping.items():
        values = context[key]
        assert context[key.lower()] == values
        assert all(isinstance(item, str) for item in values)
        assert context.is_multivalued(key) is isinstance(value, list | tuple | set | frozenset)
        if isinstance(value, str):
            assert values == (value,)
    assert RequestContext.of(context.to_dict()) == context


# --- build_request and evaluate -------------------------------------------------------------

CALLERS: list[Caller] = [
    IamUser(f"arn:aws:iam::{ACCOUNT}:user/eng/alice", tags={"team": "blue"}),
    IamUser("arn:aws:iam::444455556666:user/bob", mfa_authenticated=True),
    RoleSession(
        f"arn:aws:iam::{ACCOUNT}:role/ci/Builder",
        "run-1",
        session_tags={"team": "red", "env": "dev"},
        transitive_tag_keys=("env",),
        source_identity="alice",
        mfa_authenticated=True,
        issued_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    ),
    AccountRoot(ACCOUNT, org=OrgMembership("o-a1b2c3d4e5")),
    Anonymous(),
    ServicePrincipal("lambda.amazonaws.com", source_account=ACCOUNT),
    WebIdentity(
        "token.actions.githubusercontent.com", {"sub": "repo:acme/app:ref:refs/heads/main"}
    ),
    GitHubActions("acme/app", branch="main"),
    SamlIdentity(f"arn:aws:iam::{ACCOUNT}:saml-provider/Corp", {"saml:sub": "jdoe"}),
]

VALID_OPTIONS: dict[str, st.SearchStrategy[Any]] = {
    "external_id": st.from_regex(r"[A-Za-z0-9_+=,.@:/-]{2,20}", fullmatch=True),
    "session_name": st.from_regex(r"[A-Za-z0-9_+=,.@-]{2,10}", fullmatch=True),
    "tags": st.dictionaries(
        st.sampled_from(["team", "env", "Project"]),
        st.from_regex(r"[a-z0-9 ]{0,6}", fullmatch=True),
    ),
    "source_identity": st.sampled_from(["alice", "bob"]),
    "source_ip": st.ip_addresses().map(str),
    "at": AWARE_TIMES,
    "mfa": st.booleans(),
    "provided_contexts": st.lists(
        st.just("arn:aws:iam::aws:contextProvider/IdentityCenter"), max_size=2
    ),
    "context": st.dictionaries(
        st.sampled_from(TRAP_KEYS),
        ANY_TEXT | st.lists(ANY_TEXT, max_size=3) | st.booleans() | st.integers() | AWARE_TIMES,
        max_size=4,
    ),
}
WILD_OPTIONS: dict[str, st.SearchStrategy[Any]] = {
    "action": st.sampled_from(
        ["sts:AssumeRole", "sts:TagSession", "sts:SetContext", "sts:AssumeRoleWithSAML", "s3:Get"]
    )
    | ANY_TEXT,
    "external_id": ANY_TEXT,
    "session_name": ANY_TEXT,
    "tags": st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=4),
    "transitive_tag_keys": st.lists(ANY_TEXT | st.sampled_from(["team", "env"]), max_size=3),
    "source_identity": ANY_TEXT | st.just("aws:bob"),
    "source_ip": ANY_TEXT,
    "at": TIMES,
    "provided_contexts": st.lists(
        ANY_TEXT
        | st.builds(
            ProvidedContext,
            # ProvidedContext refuses a ProviderArn outside 20-2048 characters when built
            # (tests/evaluation/test_fail_closed_inputs.py): wild texts of a length it builds with.
            st.text(min_size=20, max_size=80)
            | st.just("arn:aws:iam::aws:contextProvider/IdentityCenter"),
            st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=2),
        ),
        max_size=6,
    ),
    "context": CONTEXTS,
}


@st.composite
def request_options(draw: st.DrawFn) -> dict[str, Any]:
    """Options for build_request: some valid ones, and at most two wild ones."""
    names = draw(st.lists(st.sampled_from(sorted(VALID_OPTIONS)), max_size=5, unique=True))
    options = {name: draw(VALID_OPTIONS[name]) for name in names}
    for name in draw(st.lists(st.sampled_from(sorted(WILD_OPTIONS)), max_size=2, unique=True)):
        options[name] = draw(WILD_OPTIONS[name])
    return options


OPTIONS = request_options()


def _decide(request: Any) -> None:
    """A built request is decided and explained; unreadable values are diagnostics, not errors."""
    outcome = evaluate(request)
    assert outcome.decision in Decision
    explanation = outcome.explain()
    assert explanation.to_text()
    assert explanation.to_dict()
    assert all(diagnostic.code.isupper() for diagnostic in outcome.errors)


@FUZZ
@given(st.sampled_from(CALLERS), OPTIONS)
def test_any_request_options_are_built_or_refused_and_decided(
    caller: Caller, options: dict[str, Any]
) -> None:
    request = _built_or_refused(lambda: build_request(caller, TRAP_ROLE, **options))
    if isinstance(request, Exception):
        return
    context = options.get("context", {})
    if not any(key.lower() == "sts:rolesessionname" for key in context):
        assert request.context["sts:RoleSessionName"] == (
            options.get("session_name") or "trustsim",
        )
    if "external_id" in options and not any(key.lower() == "sts:externalid" for key in context):
        assert request.context["sts:ExternalId"] == (options["external_id"],)
    _decide(request)


@FUZZ
@given(CONTEXTS, st.sampled_from(CALLERS))
def test_any_explicit_context_is_refused_or_decided(
    context: dict[str, Any], caller: Caller
) -> None:
    request = _built_or_refused(lambda: build_request(caller, TRAP_ROLE, context=context))
    if isinstance(request, Exception):
        assert isinstance(request, InvalidContext)
        return
    for key, value in context.items():
        if isinstance(value, str):
            assert request.context[key] == (value,)
    _decide(request)


# --- caller constructors ----------------------------------------------------------------------


def _near(valid: str) -> st.SearchStrategy[str]:
    """``valid``, or it with one character inserted, deleted or replaced, or any text."""

    @st.composite
    def edited(draw: st.DrawFn) -> str:
        at = draw(st.integers(0, len(valid)))
        piece = draw(st.sampled_from(["", "x", ":", "/", "*", " ", "\x00", "é", "\ud800", "1"]))
        cut = draw(st.integers(0, 2))
        return valid[:at] + piece + valid[at + cut :]

    return st.just(valid) | edited() | ANY_TEXT


USER = f"arn:aws:iam::{ACCOUNT}:user/eng/alice"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci/Builder"
CLAIMS = st.dictionaries(
    ANY_TEXT,
    ANY_TEXT
    | st.booleans()
    | st.integers()
    | st.lists(ANY_TEXT, max_size=3)
    | st.none()
    | st.floats(),
    max_size=3,
)
TEXT_TAGS = st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=3)
TIME = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

#: constructor, its valid keyword arguments, and a wild strategy per argument.
CONSTRUCTORS: dict[str, tuple[Callable[..., Any], dict[str, Any], dict[str, Any]]] = {
    "IamUser": (
        IamUser,
        {"arn": USER, "tags": {"team": "blue"}, "unique_id": "AIDAEXAMPLE123456789"},
        {"arn": _near(USER), "tags": TEXT_TAGS, "unique_id": _near("AIDAEXAMPLE123456789")},
    ),
    "RoleSession": (
        RoleSession,
        {
            "role_arn": ROLE,
            "session_name": "run-1",
            "session_tags": {"env": "dev"},
            "transitive_tag_keys": ["env"],
            "source_identity": "alice",
            "issued_at": TIME,
            "carried_keys": {"saml:sub": "jdoe"},
        },
        {
            "role_arn": _near(ROLE),
            "session_name": _near("run-1"),
            "session_tags": TEXT_TAGS,
            "transitive_tag_keys": st.lists(ANY_TEXT, max_size=2),
            "source_identity": _near("alice"),
            "issued_at": TIMES,
            "carried_keys": CLAIMS,
        },
    ),
    "AccountRoot": (AccountRoot, {"account_id": ACCOUNT}, {"account_id": _near(ACCOUNT)}),
    "ServicePrincipal": (
        ServicePrincipal,
        {
            "name": "lambda.amazonaws.com",
            "source_account": ACCOUNT,
            "source_arn": "arn:aws:s3:::bucket",
            "source_org_id": "o-a1b2c3d4e5",
        },
        {
            "name": _near("lambda.amazonaws.com"),
            "source_account": _near(ACCOUNT),
            "source_arn": _near("arn:aws:s3:::bucket"),
            "source_org_id": _near("o-a1b2c3d4e5"),
        },
    ),
    "OrgMembership": (
        OrgMembership,
        {"org_id": "o-a1b2c3d4e5", "paths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"]},
        {
            "org_id": _near("o-a1b2c3d4e5"),
            "paths": st.lists(_near("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"), max_size=2),
        },
    ),
    "WebIdentity": (
        WebIdentity,
        {
            "provider": "token.actions.githubusercontent.com",
            "claims": {"sub": "repo:acme/app:ref:refs/heads/main"},
        },
        {
            "provider": _near(f"arn:aws:iam::{ACCOUNT}:oidc-provider/auth.example.com/t")
            | _near("token.actions.githubusercontent.com"),
            "claims": CLAIMS,
        },
    ),
    "SamlIdentity": (
        SamlIdentity,
        {"provider": f"arn:aws:iam::{ACCOUNT}:saml-provider/Corp", "attributes": {"saml:sub": "j"}},
        {
            "provider": _near(f"arn:aws:iam::{ACCOUNT}:saml-provider/Corp"),
            "attributes": st.dictionaries(
                st.sampled_from(["saml:sub", "SAML:aud", "saml:doc", "saml:edupersonaffiliation"])
                | ANY_TEXT,
                ANY_TEXT | st.lists(ANY_TEXT, max_size=2),
                max_size=3,
            ),
        },
    ),
    "Role": (
        lambda **kwargs: Role(trust_policy=TRAP_ROLE.trust_policy, **kwargs),
        {"arn": ROLE, "tags": {"team": "blue"}, "unique_id": "AROAEXAMPLE123456789"},
        {"arn": _near(ROLE), "tags": TEXT_TAGS, "unique_id": _near("AROAEXAMPLE123456789")},
    ),
    "GitHubActions": (
        GitHubActions,
        {"repo": "acme/app", "branch": "main", "audience": "sts.amazonaws.com", "extra_claims": {}},
        {
            "repo": _near("acme/app"),
            "branch": _near("main"),
            "environment": ANY_TEXT,
            "audience": _near("sts.amazonaws.com") | st.lists(ANY_TEXT, max_size=2),
            "extra_claims": CLAIMS,
        },
    ),
    "EksServiceAccount": (
        EksServiceAccount,
        {
            "namespace": "payments",
            "service_account": "api",
            "cluster_id": "EXAMPLED539D4633E53DE1B71EXAMPLE",
            "region": "us-east-1",
        },
        {
            "namespace": _near("payments"),
            "service_account": _near("api"),
            "cluster_id": _near("EXAMPLED539D4633E53DE1B71EXAMPLE"),
            "region": _near("us-east-1"),
        },
    ),
    "CognitoIdentity": (
        CognitoIdentity,
        {
            "identity_pool_id": "us-east-1:12345678-1234-1234-1234-123456789012",
            "identity_id": "us-east-1:abcdefab-1234-1234-1234-123456789012",
        },
        {
            "identity_pool_id": _near("us-east-1:12345678-1234-1234-1234-123456789012"),
            "identity_id": _near("us-east-1:abcdefab-1234-1234-1234-123456789012"),
            "login_providers": st.lists(ANY_TEXT, max_size=2),
        },
    ),
    "GoogleIdentity": (
        GoogleIdentity,
        {"sub": "110000000000000000001", "audience": "123-abc.apps.googleusercontent.com"},
        {
            "sub": _near("110000000000000000001"),
            "audience": _near("123-abc.apps.googleusercontent.com"),
            "email": ANY_TEXT,
        },
    ),
    "OidcIdentity": (
        OidcIdentity,
        {"issuer": "auth.example.com", "sub": "svc", "audience": "api"},
        {
            "issuer": _near("auth.example.com"),
            "sub": ANY_TEXT,
            "audience": ANY_TEXT | st.lists(ANY_TEXT, max_size=2),
            "claims": CLAIMS,
        },
    ),
}


@st.composite
def constructions(draw: st.DrawFn) -> Callable[[], Any]:
    """A constructor call with valid arguments, one or two of them replaced by wild values."""
    factory, valid, wild = CONSTRUCTORS[draw(st.sampled_from(sorted(CONSTRUCTORS)))]
    kwargs = dict(valid)
    for name in draw(st.lists(st.sampled_from(sorted(wild)), max_size=2, unique=True)):
        kwargs[name] = draw(wild[name])
    return lambda: factory(**kwargs)


@FUZZ
@given(constructions())
def test_any_caller_fields_are_built_or_refused_and_decided(construct: Callable[[], Any]) -> None:
    built = _built_or_refused(construct)
    if isinstance(built, Exception):
        assert isinstance(built, (InvalidCaller, TypeError))
        return
    if isinstance(built, Role):
        role, caller = built, CALLERS[0]
    elif isinstance(built, OrgMembership):
        role, caller = TRAP_ROLE, IamUser(USER, org=built)
    else:
        role, caller = TRAP_ROLE, built
    request = _built_or_refused(lambda: build_request(caller, role))
    if not isinstance(request, Exception):
        _decide(request)
