"""Small generated trust policies and requests over a tiny alphabet (cheap to analyse)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st

from trustsim.analysis.cells import CALLER_ALLOWS, WITNESS_TIME
from trustsim.callers import (
    IamUser,
    OrgMembership,
    Role,
    RoleSession,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.errors import InvalidPolicy
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest, ProvidedContext, build_request

ROLE_ARN = "arn:aws:iam::111122223333:role/target"
GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
SUB = "token.actions.githubusercontent.com:sub"
AUD = "token.actions.githubusercontent.com:aud"

# Texts over {a, b, A} with the wildcards: what the policies compare.
_PATTERNS = ["ab", "a*", "*b", "a?", "?b", "aab", "AB", "*", "ba*"]
_ACCOUNTS = ["111122223333", "444455556666"]
_USERS = [f"arn:aws:iam::{a}:user/{n}" for a in _ACCOUNTS for n in ("ab", "ba")]
_ROLES = [f"arn:aws:iam::{a}:role/{n}" for a in _ACCOUNTS for n in ("ab", "ba")]

PRINCIPALS: list[Any] = [
    {"AWS": "*"},
    {"AWS": "444455556666"},
    {"AWS": "arn:aws:iam::111122223333:root"},
    {"AWS": _USERS[2]},
    {"AWS": _ROLES[0]},
    {"AWS": "arn:aws:sts::444455556666:assumed-role/ab/caller"},
    {"AWS": ["AROADBQP57FF2AEXAMPLE", "AIDAJQABLZS4A3QDU576Q"]},
    {"Federated": GITHUB},
    {"Service": "lambda.amazonaws.com"},
]
_OU = "o-abc1234567/r-ab12/ou-ab12-11111111/"
_PROVIDER = "arn:aws:iam::aws:contextProvider/IdentityCenter"
_ORGS = st.sampled_from(
    [
        None,
        OrgMembership("o-abc1234567"),
        OrgMembership("o-abc1234567", paths=[_OU]),
        OrgMembership("o-abc1234567", paths=["o-abc1234567/r-ab12/", f"{_OU}ou-ab12-22222222/"]),
        OrgMembership("o-zzz1234567", paths=["o-zzz1234567/r-ab12/"]),
    ]
)
_KEYS = {
    "sts:ExternalId": _PATTERNS,
    SUB: _PATTERNS,
    AUD: _PATTERNS,
    "aws:PrincipalArn": [
        "arn:aws:iam::444455556666:*",
        "arn:aws:iam::*:user/a*",
        "arn:aws:iam::*:role/?b",
        *_USERS[:1],
    ],
    "aws:SourceAccount": _ACCOUNTS,
    "aws:MultiFactorAuthPresent": ["true", "false"],
    "aws:PrincipalTag/team": ["ab", "a*", "AB"],
    "aws:PrincipalServiceName": ["lambda.amazonaws.com", "e*"],
    "aws:SourceIdentity": ["ab", "a*"],
    "sts:SourceIdentity": ["ab", "b*"],
    "aws:SourceIp": ["10.0.0.0/24", "10.0.0.128/25", "2001:db8::/32"],
    "aws:CurrentTime": ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00.5Z", "2025"],
    "aws:EpochTime": ["1767225600", "1767225601.5"],
    "aws:MultiFactorAuthAge": ["0", "1", "3600.5"],
    "aws:TokenIssueTime": ["2026-01-01T00:00:00Z", "2025-12-31T23:00:00Z"],
    "aws:TagKeys": ["ab", "a*", "team"],
    "aws:RequestTag/team": ["ab", "a*", "blue"],
    "sts:TransitiveTagKeys": ["team", "t*"],
    "aws:PrincipalOrgPaths": [_OU, f"{_OU}*", "o-abc1234567/r-ab12/"],
    "aws:SourceOrgPaths": [f"{_OU}*", "o-zzz1234567/*"],
    # keys no slot splits (gaps): a Grant must claim no request carrying another value
    "aws:RequestedRegion": ["us-east-1", "eu-*"],
    "aws:username": ["ab", "a*"],
    "aws:userid": ["AIDAJQABLZS4A3QDU576Q", "AIDA*"],
    "aws:PrincipalOrgID": ["o-abc1234567"],
    "sts:RequestContext/k": ["v", "v*"],
    "sts:RequestContextProviders": [_PROVIDER],
}
_ORDERED_OPERATORS = {
    "aws:SourceIp": ["IpAddress", "NotIpAddress", "IpAddressIfExists", "NotIpAddressIfExists"],
    "aws:CurrentTime": ["DateLessThan", "DateGreaterThanEquals", "DateEquals", "DateNotEquals"],
    "aws:EpochTime": ["NumericLessThanEquals", "NumericGreaterThan", "NumericEquals"],
    "aws:MultiFactorAuthAge": ["NumericLessThan", "NumericGreaterThanEqualsIfExists"],
    "aws:TokenIssueTime": ["DateGreaterThan", "DateLessThanEqualsIfExists", "DateNotEquals"],
}
_STRING_OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLikeIfExists",
    "StringNotLikeIfExists",
    "ForAnyValue:StringLike",
    "ForAllValues:StringEquals",
]
_ARN_OPERATORS = ["ArnLike", "ArnNotLike", "ArnEquals", "StringLike"]


#: Clauses the analysis leaves a gap: an operator the key's slot does not split by (ordered on a
#: text key, text on an ordered one) or a policy variable relating two keys.
_UNSPLIT_CLAUSES: list[tuple[str, str, list[str]]] = [
    ("NumericLessThan", "sts:ExternalId", ["50"]),
    ("NumericLessThanIfExists", "sts:RoleSessionName", ["50"]),
    ("StringLike", "aws:CurrentTime", ["2026-01-01*"]),
    ("StringNotEqualsIfExists", "aws:SourceIp", ["10.0.0.1"]),
    ("StringNotEquals", "sts:ExternalId", ["${aws:username}"]),
    ("StringEqualsIfExists", "aws:PrincipalTag/team", ["${sts:ExternalId}"]),
]


@st.composite
def clauses(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    if draw(st.integers(0, 14)) == 0:
        return draw(st.sampled_from(_UNSPLIT_CLAUSES))
    key = draw(st.sampled_from(sorted(_KEYS)))
    if draw(st.integers(0, 9)) == 0:
        return "Null", key, [draw(st.sampled_from(["true", "false"]))]
    if key == "aws:MultiFactorAuthPresent":
        operator = draw(st.sampled_from(["Bool", "BoolIfExists", "StringEquals"]))
    elif key == "aws:PrincipalArn":
        operator = draw(st.sampled_from(_ARN_OPERATORS))
    elif key in _ORDERED_OPERATORS:
        operator = draw(st.sampled_from(_ORDERED_OPERATORS[key]))
    else:
        operator = draw(st.sampled_from(_STRING_OPERATORS))
    values = draw(st.lists(st.sampled_from(_KEYS[key]), min_size=1, max_size=2, unique=True))
    return operator, key, values


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Principal": draw(st.sampled_from(PRINCIPALS)),
        "Action": draw(
            st.sampled_from(
                [
                    "sts:AssumeRole",
                    "sts:AssumeRoleWithWebIdentity",
                    ["sts:AssumeRole", "sts:TagSession"],
                    ["sts:AssumeRoleWithWebIdentity", "sts:SetSourceIdentity"],
                    ["sts:AssumeRole", "sts:SetContext"],
                    "sts:*",
                ]
            )
        ),
    }
    condition: dict[str, dict[str, Any]] = {}
    for operator, key, values in draw(st.lists(clauses(), max_size=2)):
        condition.setdefault(operator, {})[key] = values
    if condition:
        statement["Condition"] = condition
    return statement


@st.composite
def trust_policies(draw: st.DrawFn) -> Any:
    document = {
        "Version": "2012-10-17",
        "Statement": draw(st.lists(statements(), min_size=1, max_size=2)),
    }
    try:
        return parse_policy(document)
    except InvalidPolicy:  # IAM refuses it; the analysis needs a policy IAM keeps
        reject()


_AT = st.sampled_from(
    [
        WITNESS_TIME,
        WITNESS_TIME - _dt.timedelta(seconds=1),
        WITNESS_TIME + _dt.timedelta(seconds=1),
        WITNESS_TIME + _dt.timedelta(seconds=2),
        WITNESS_TIME - _dt.timedelta(days=400),
    ]
)
_ISSUED = [
    WITNESS_TIME - _dt.timedelta(hours=1, seconds=1),
    WITNESS_TIME - _dt.timedelta(seconds=3600),
    WITNESS_TIME - _dt.timedelta(seconds=1),
    WITNESS_TIME + _dt.timedelta(seconds=1),
]
_TAGS = st.sampled_from(
    [{"team": "blue"}, {"ab": ""}, {"AB": "x", "team": "ab"}, {"team": "ab"}, {"Team": "a"}]
)
_SOURCE_IPS = st.sampled_from(
    [None, "10.0.0.1", "10.0.0.200", "10.0.1.0", "2001:db8::7", "2001:db9::", "192.0.2.1"]
)
_PRINCIPAL_TAGS = st.sampled_from(
    [{}, {"team": "ab"}, {"Team": "aab"}, {"team": "AB"}, {"team": ""}]
)
_PROVIDED = st.sampled_from(
    [
        ProvidedContext(_PROVIDER),
        ProvidedContext(_PROVIDER, {"k": "v"}),
        ProvidedContext(_PROVIDER, {"k": "w"}),
    ]
)
_TEXTS = st.sampled_from(["ab", "aab", "ba", "AB", "bb", "ab*", "a", "b"])
_CLAIM = st.one_of(_TEXTS, st.lists(_TEXTS, min_size=1, max_size=2).map(tuple))


@st.composite
def requests(draw: st.DrawFn, role: Role) -> AssumeRoleRequest:
    """A request of the analysed universe (callers whose own policies allow)."""
    kind = draw(st.sampled_from(["user", "session", "service", "web"]))
    options: dict[str, Any] = {"at": draw(_AT)}
    source_ip = draw(_SOURCE_IPS)
    if source_ip is not None:
        options["source_ip"] = source_ip
    caller: Any
    if kind == "user":
        caller = IamUser(
            draw(st.sampled_from(_USERS)),
            policies=[CALLER_ALLOWS],
            mfa_authenticated=draw(st.sampled_from([None, True, False])),
            tags=draw(_PRINCIPAL_TAGS),
            unique_id=draw(st.sampled_from([None, "AIDAJQABLZS4A3QDU576Q", "AIDAOTHER7"])),
            org=draw(_ORGS),
        )
    elif kind == "session":
        caller = RoleSession(
            draw(st.sampled_from(_ROLES)),
            draw(st.sampled_from(["caller", "Caller", "other"])),
            policies=[CALLER_ALLOWS],
            mfa_authenticated=draw(st.booleans()),
            role_tags=draw(_PRINCIPAL_TAGS),
            role_unique_id=draw(st.sampled_from([None, "AROADBQP57FF2AEXAMPLE", "AROAOTHER7"])),
            source_identity=draw(st.sampled_from([None, None, "ab", "ba", "aab"])),
            issued_at=draw(st.sampled_from([None, *_ISSUED])),
            org=draw(_ORGS),
        )
        options["mfa"] = draw(st.sampled_from([None, None, True, False]))
    elif kind == "service":
        caller = ServicePrincipal(
            draw(st.sampled_from(["lambda.amazonaws.com", "ec2.amazonaws.com"])),
            source_account=draw(st.sampled_from([None, *_ACCOUNTS])),
            source_org_paths=draw(
                st.sampled_from([(), (_OU,), ("o-zzz1234567/r-ab12/", f"{_OU}ou-ab12-22222222/")])
            ),
        )
    else:
        claims = {}
        for claim in ("sub", "aud"):
            if draw(st.booleans()):
                claims[claim] = draw(_CLAIM)
        caller = WebIdentity(GITHUB, claims)
    if kind in ("user", "session", "service") and draw(st.booleans()):
        options["external_id"] = draw(st.sampled_from(["ab", "aab", "AB", "ba", "a:b", "10"]))
    if kind in ("user", "session", "service") and draw(st.integers(0, 3)) == 0:
        options["provided_contexts"] = [draw(_PROVIDED)]
    if draw(st.integers(0, 3)) == 0:
        options["region"] = draw(st.sampled_from(["us-east-1", "eu-west-1"]))
    if draw(st.integers(0, 3)) == 0:
        options["session_name"] = draw(st.sampled_from(["ab", "10", "99"]))
    if draw(st.integers(0, 2)) == 0:
        options["tags"] = draw(_TAGS)
        if "team" in options["tags"] and draw(st.booleans()):
            options["transitive_tag_keys"] = ["team"]
    carried = getattr(caller, "source_identity", None)
    if carried is not None:  # a session's source identity is passed on: that value or none
        if draw(st.booleans()):
            options["source_identity"] = carried
    elif draw(st.integers(0, 3)) == 0:
        options["source_identity"] = draw(st.sampled_from(["ab", "ba"]))
    return build_request(caller, role, **options)
