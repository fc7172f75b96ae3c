"""Exactness on a small finite universe: every request of a bounded alphabet, decided directly."""

from __future__ import annotations

import datetime as _dt
import itertools

import pytest

from tests.analysis.policies import GITHUB, ROLE_ARN
from trustsim.analysis import compare, grants
from trustsim.analysis.cells import CALLER_ALLOWS, WITNESS_TIME
from trustsim.callers import (
    IamUser,
    OrgMembership,
    Role,
    RoleSession,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.evaluation import evaluate
from trustsim.parsing import parse_policy
from trustsim.requests import build_request

_WORDS = ["".join(letters) for size in (2, 3) for letters in itertools.product("aAb:", repeat=size)]
_SUBS = [
    "".join(letters) for size in (0, 1, 2, 3) for letters in itertools.product("ab/", repeat=size)
]


def _github(condition: dict) -> object:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": GITHUB},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": condition,
                }
            ],
        }
    )


def _vendor(statements: list[dict]) -> object:
    return parse_policy({"Version": "2012-10-17", "Statement": statements})


_ALLOW_VENDOR = {
    "Effect": "Allow",
    "Principal": {"AWS": "444455556666"},
    "Action": "sts:AssumeRole",
}

EXTERNAL_ID_POLICIES = {
    "equals": _vendor([{**_ALLOW_VENDOR, "Condition": {"StringEquals": {"sts:ExternalId": "ab"}}}]),
    "ignore case": _vendor(
        [{**_ALLOW_VENDOR, "Condition": {"StringEqualsIgnoreCase": {"sts:ExternalId": "ab"}}}]
    ),
    "like": _vendor(
        [{**_ALLOW_VENDOR, "Condition": {"StringLike": {"sts:ExternalId": ["a*", "?b:"]}}}]
    ),
    "not like if exists": _vendor(
        [{**_ALLOW_VENDOR, "Condition": {"StringNotLikeIfExists": {"sts:ExternalId": "*A*"}}}]
    ),
    "deny": _vendor(
        [
            _ALLOW_VENDOR,
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringLike": {"sts:ExternalId": "*b"}},
            },
        ]
    ),
    "null": _vendor(
        [
            {
                **_ALLOW_VENDOR,
                "Condition": {
                    "Null": {"sts:ExternalId": "false"},
                    "StringNotEquals": {"sts:ExternalId": "aa"},
                },
            }
        ]
    ),
}
SUB_POLICIES = {
    "prefix": _github({"StringLike": {"token.actions.githubusercontent.com:sub": "a*"}}),
    "planted mistake": _github({"StringLike": {"token.actions.githubusercontent.com:sub": "ab*"}}),
    "intended": _github({"StringLike": {"token.actions.githubusercontent.com:sub": "ab/*"}}),
    "exact or any": _github(
        {"StringEquals": {"token.actions.githubusercontent.com:sub": ["ab", "b/"]}}
    ),
    "any value": _github(
        {"ForAnyValue:StringLike": {"token.actions.githubusercontent.com:sub": "?/*"}}
    ),
    "every value in a union": _github(
        {"ForAllValues:StringLike": {"token.actions.githubusercontent.com:sub": ["a*", "?/*"]}}
    ),
    "some value outside": _github(
        {"ForAnyValue:StringNotLike": {"token.actions.githubusercontent.com:sub": ["ab*", "b"]}}
    ),
    "six patterns": _github(
        {
            "StringLike": {
                "token.actions.githubusercontent.com:sub": ["a", "b", "ab", "ba", "a/*", "b/*"]
            },
            "ForAllValues:StringNotEquals": {"token.actions.githubusercontent.com:sub": "a/b"},
        }
    ),
}


def _external_id_requests(role: Role) -> list:
    caller = IamUser("arn:aws:iam::444455556666:user/bot", policies=[CALLER_ALLOWS])
    other = IamUser("arn:aws:iam::999988887777:user/bot", policies=[CALLER_ALLOWS])
    out = [build_request(c, role, at=WITNESS_TIME) for c in (caller, other)]
    out += [build_request(caller, role, external_id=word, at=WITNESS_TIME) for word in _WORDS]
    return out


def _sub_requests(role: Role) -> list:
    out = [build_request(WebIdentity(GITHUB, {}), role, at=WITNESS_TIME)]
    out += [
        build_request(WebIdentity(GITHUB, {"sub": word}), role, at=WITNESS_TIME) for word in _SUBS
    ]
    out += [
        build_request(WebIdentity(GITHUB, {"sub": [a, b]}), role, at=WITNESS_TIME)
        for a, b in itertools.combinations(_SUBS[:8], 2)
    ]
    out += [
        build_request(WebIdentity(GITHUB, {"sub": list(three)}), role, at=WITNESS_TIME)
        for three in itertools.combinations(["", "a", "ab", "b/", "a/b", "ba", "a/"], 3)
    ]
    return out


_TIMES = [
    _dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=_dt.timezone.utc),
    _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc),
    _dt.datetime(2026, 1, 1, 0, 0, 1, tzinfo=_dt.timezone.utc),
    _dt.datetime(2026, 6, 15, 12, tzinfo=_dt.timezone.utc),
    _dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=_dt.timezone.utc),
    _dt.datetime(2027, 1, 1, tzinfo=_dt.timezone.utc),
    _dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=_dt.timezone.utc),
    _dt.datetime(9999, 1, 1, tzinfo=_dt.timezone.utc),
]
# Addresses a caller may call from (not an address to bind): the first of IPv4 included.
_IPS = [
    None, "0.0.0.0", "10.0.0.0",  # noqa: S104 "10.0.0.255", "10.0.1.0", "9.255.255.255", "10.255.255.255",
    "11.0.0.0", "192.0.2.1", "255.255.255.255", "::", "2001:db8::", "2001:db8::1",
    "2001:db9::", "::ffff:10.0.0.1", "ffff::1",
]  # fmt: skip
_WINDOW = {"DateGreaterThanEquals": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
           "NumericLessThan": {"aws:EpochTime": "1798761600"}}  # fmt: skip
TIME_IP_POLICIES = {
    "time window": _vendor([{**_ALLOW_VENDOR, "Condition": _WINDOW}]),
    "ip blocks": _vendor(
        [
            {
                **_ALLOW_VENDOR,
                "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/24", "2001:db8::/32"]}},
            }
        ]
    ),
    "not in ip block, if given": _vendor(
        [{**_ALLOW_VENDOR, "Condition": {"NotIpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}}]
    ),
    "deny outside window": _vendor(
        [
            _ALLOW_VENDOR,
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-06-15T12:00:00.5Z"}},
            },
        ]
    ),
}


def _time_ip_requests(role: Role) -> list:
    caller = IamUser("arn:aws:iam::444455556666:user/bot", policies=[CALLER_ALLOWS])
    return [
        build_request(caller, role, at=at, **({"source_ip": ip} if ip else {}))
        for at in _TIMES
        for ip in _IPS
    ]


_SESSION_ROLES = [
    "arn:aws:iam::444455556666:role/Builder",
    "arn:aws:iam::444455556666:role/ci/Builder",
    "arn:aws:iam::444455556666:role/xBuilder",
    "arn:aws:iam::111122223333:role/Builder",
]
SESSION_POLICIES = {
    "session ARN": _vendor(
        [
            {
                **_ALLOW_VENDOR,
                "Principal": {"AWS": "arn:aws:sts::444455556666:assumed-role/Builder/b-1"},
            }
        ]
    ),
    "session ARN or account": _vendor(
        [
            {
                **_ALLOW_VENDOR,
                "Principal": {"AWS": "arn:aws:sts::444455556666:assumed-role/Builder/b-1"},
            },
            {
                **_ALLOW_VENDOR,
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Condition": {"StringLike": {"sts:ExternalId": "a*"}},
            },
        ]
    ),
}


def _session_requests(role: Role) -> list:
    return [
        build_request(
            RoleSession(arn, name, policies=[CALLER_ALLOWS]), role, at=WITNESS_TIME, **extra
        )
        for arn in _SESSION_ROLES
        for name in ("b-1", "B-1", "b-2")
        for extra in ({}, {"external_id": "ab"})
    ]


_SET_IDENTITY = {**_ALLOW_VENDOR, "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}
SOURCE_IDENTITY_POLICIES = {
    "session's identity": _vendor(
        [{**_SET_IDENTITY, "Condition": {"StringLike": {"aws:SourceIdentity": "a*"}}}]
    ),
    "both identities": _vendor(
        [
            {
                **_SET_IDENTITY,
                "Condition": {
                    "StringLikeIfExists": {"aws:SourceIdentity": "a*"},
                    "StringNotEquals": {"sts:SourceIdentity": "aab"},
                },
            }
        ]
    ),
}


def _source_identity_requests(role: Role) -> list:
    out = []
    for carried in (None, "ab", "ba", "aab", "zz"):
        caller = RoleSession(
            "arn:aws:iam::444455556666:role/ci",
            "s1",
            policies=[CALLER_ALLOWS],
            source_identity=carried,
        )
        wanted = [None, carried] if carried else [None, "ab", "aab", "bb"]
        for given in wanted:
            extra = {"source_identity": given} if given else {}
            out.append(build_request(caller, role, at=WITNESS_TIME, **extra))
    return out


_MFA_ANY = {**_ALLOW_VENDOR, "Principal": {"AWS": "*"}}
CREDENTIAL_POLICIES = {
    "recent MFA": _vendor(
        [{**_MFA_ANY, "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}]
    ),
    "MFA age if exists": _vendor(
        [
            {
                **_MFA_ANY,
                "Condition": {"NumericLessThanEqualsIfExists": {"aws:MultiFactorAuthAge": "0.5"}},
            }
        ]
    ),
    "fresh session or none": _vendor(
        [
            {
                **_MFA_ANY,
                "Condition": {
                    "DateGreaterThanIfExists": {"aws:TokenIssueTime": "2025-12-31T23:00:00Z"},
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                },
            }
        ]
    ),
    "deny old MFA": _vendor(
        [
            _MFA_ANY,
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "NumericGreaterThan": {"aws:MultiFactorAuthAge": "60"},
                    "Null": {"aws:TokenIssueTime": "false"},
                },
            },
        ]
    ),
}
_ISSUED = [
    WITNESS_TIME - _dt.timedelta(seconds=s) for s in (-5, 0, 1, 59, 60, 61, 3599, 3600, 3601, 7200)
]


def _credential_requests(role: Role) -> list:
    user = "arn:aws:iam::444455556666:user/bot"
    out = [
        build_request(
            IamUser(user, policies=[CALLER_ALLOWS], mfa_authenticated=mfa), role, at=WITNESS_TIME
        )
        for mfa in (None, True, False)
    ]
    for issued, authenticated, call in itertools.product(
        _ISSUED, (None, True, False), (None, True, False)
    ):
        caller = RoleSession(
            "arn:aws:iam::444455556666:role/ci",
            "s1",
            policies=[CALLER_ALLOWS],
            mfa_authenticated=authenticated,
            issued_at=issued,
        )
        out.append(build_request(caller, role, at=WITNESS_TIME, mfa=call))
    return out


_TAGGING = {**_MFA_ANY, "Action": ["sts:AssumeRole", "sts:TagSession"]}
TAG_POLICIES = {
    "only these keys": _vendor(
        [{**_TAGGING, "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["ab", "b"]}}}]
    ),
    "some key like": _vendor(
        [{**_TAGGING, "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["a*", "?:"]}}}]
    ),
    "one key, any case": _vendor(
        [{**_TAGGING, "Condition": {"StringEqualsIgnoreCase": {"aws:TagKeys": "ab"}}}]
    ),
    "deny a key": _vendor(
        [
            _TAGGING,
            {
                **_TAGGING,
                "Effect": "Deny",
                "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "AB"}},
            },
        ]
    ),
    "transitive only these": _vendor(
        [
            {
                **_TAGGING,
                "Condition": {"ForAllValues:StringLike": {"sts:TransitiveTagKeys": "a*"}},
            }
        ]
    ),
    "transitive required": _vendor(
        [{**_TAGGING, "Condition": {"Null": {"sts:TransitiveTagKeys": "false"}}}]
    ),
    "tag value": _vendor(
        [{**_TAGGING, "Condition": {"StringEquals": {"aws:RequestTag/team": ["ab", ""]}}}]
    ),
    "tag values if given": _vendor(
        [
            {
                **_TAGGING,
                "Condition": {
                    "StringLikeIfExists": {"aws:RequestTag/Team": "a*"},
                    "StringNotEqualsIfExists": {"aws:RequestTag/b": "a"},
                },
            }
        ]
    ),
}
_TAG_WORDS = ["ab", "AB", "b", "a:", "team"]


def _tag_requests(role: Role) -> list:
    callers = [
        IamUser("arn:aws:iam::444455556666:user/bot", policies=[CALLER_ALLOWS]),
        RoleSession("arn:aws:iam::444455556666:role/ci", "s1", policies=[CALLER_ALLOWS]),
        RoleSession(
            "arn:aws:iam::444455556666:role/ci",
            "s1",
            policies=[CALLER_ALLOWS],
            session_tags={"Team": "ab"},
            transitive_tag_keys=["Team"],
        ),
    ]
    out = []
    for size in (0, 1, 2, 3):
        for keys in itertools.combinations(_TAG_WORDS, size):
            if len({key.lower() for key in keys}) < size:
                continue  # one key in two cases: STS refuses it
            for value, transitive in itertools.product(("ab", "a", ""), (None, 1, size)):
                if transitive is not None and not 0 < transitive <= size:
                    continue
                extra = {"tags": dict.fromkeys(keys, value)} if keys else {}
                if transitive:
                    extra["transitive_tag_keys"] = list(keys[:transitive])
                for caller in callers:
                    if getattr(caller, "session_tags", None) and "team" in keys:
                        continue  # a passed tag may not replace an inherited one
                    out.append(build_request(caller, role, at=WITNESS_TIME, **extra))
    return out


_OU = "o-abc1234567/r-ab12/ou-ab12-11111111/"
ORG_PATH_POLICIES = {
    "some path under an OU": _vendor(
        [
            {
                **_MFA_ANY,
                "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{_OU}*"}},
            }
        ]
    ),
    "every path under the OU": _vendor(
        [
            {
                **_MFA_ANY,
                "Condition": {
                    "ForAllValues:StringLike": {
                        "aws:PrincipalOrgPaths": [f"{_OU}*", "o-abc1234567/r-ab12/"]
                    }
                },
            }
        ]
    ),
    "deny one OU": _vendor(
        [
            _MFA_ANY,
            {
                **_MFA_ANY,
                "Effect": "Deny",
                "Condition": {"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": _OU}},
            },
        ]
    ),
}
_PATHS = {
    "o-abc1234567": [
        "o-abc1234567/r-ab12/",
        _OU,
        f"{_OU}ou-ab12-22222222/",
        "o-abc1234567/r-ab12/ou-ab12-33333333/",
    ],
    "o-zzz1234567": ["o-zzz1234567/r-ab12/", "o-zzz1234567/r-ab12/ou-ab12-11111111/"],
}


def _org_path_requests(role: Role) -> list:
    orgs = [None]
    for org, paths in _PATHS.items():
        orgs.append(OrgMembership(org))
        orgs += [
            OrgMembership(org, paths=chosen)
            for size in (1, 2)
            for chosen in itertools.combinations(paths, size)
        ]
    out = []
    for org in orgs:
        out.append(
            build_request(
                IamUser("arn:aws:iam::444455556666:user/bot", policies=[CALLER_ALLOWS], org=org),
                role,
                at=WITNESS_TIME,
            )
        )
        session = RoleSession(
            "arn:aws:iam::444455556666:role/ci", "s1", policies=[CALLER_ALLOWS], org=org
        )
        out.append(build_request(session, role, at=WITNESS_TIME))
    return out


_LAMBDA = {
    "Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole",
}
SOURCE_ORG_PATH_POLICIES = {
    "source under an OU": _vendor(
        [{**_LAMBDA, "Condition": {"ForAnyValue:StringLike": {"aws:SourceOrgPaths": f"{_OU}*"}}}]
    ),
    "every source path in the org": _vendor(
        [
            {
                **_LAMBDA,
                "Condition": {"ForAllValues:StringLike": {"aws:SourceOrgPaths": "o-abc1234567/*"}},
            }
        ]
    ),
    "one source path exactly": _vendor(
        [{**_LAMBDA, "Condition": {"StringEquals": {"aws:SourceOrgPaths": _OU}}}]
    ),
}


def _source_org_path_requests(role: Role) -> list:
    paths = [*_PATHS["o-abc1234567"], *_PATHS["o-zzz1234567"]]
    chosen = [()] + [c for size in (1, 2) for c in itertools.combinations(paths, size)]
    return [
        build_request(ServicePrincipal(name, source_org_paths=c), role, at=WITNESS_TIME)
        for name in ("lambda.amazonaws.com", "ec2.amazonaws.com")
        for c in chosen
    ]


_SUB = "token.actions.githubusercontent.com:sub"


def _sub_like(operator: str, value: str, version: str = "2012-10-17") -> object:
    return parse_policy(
        {
            "Version": version,
            "Statement": {
                "Effect": "Allow",
                "Principal": {"Federated": GITHUB},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {operator: {_SUB: value}},
            },
        }
    )


SPECIAL_VARIABLE_POLICIES = {
    "literal star then any": _sub_like("StringLike", "a${*}*"),
    "literal question mark": _sub_like("StringEquals", "${?}b"),
    "not a literal dollar": _sub_like("StringNotLikeIfExists", "${$}?"),
    "any case": _sub_like("StringEqualsIgnoreCase", "A${*}"),
    "malformed is text": _sub_like("StringLike", "${a b}*"),
    "no variables in 2008": _sub_like("StringLike", "a${*}", version="2008-10-17"),
}
_SPECIAL_WORDS = [
    "".join(letters) for size in (0, 1, 2, 3) for letters in itertools.product("aA*?${} b", repeat=size)
] + ["a${*}", "${a b}", "${a b}x", "${?}b", "$?"]  # fmt: skip


def _special_requests(role: Role) -> list:
    out = [build_request(WebIdentity(GITHUB, {}), role, at=WITNESS_TIME)]
    out += [
        build_request(WebIdentity(GITHUB, {"sub": word}), role, at=WITNESS_TIME)
        for word in _SPECIAL_WORDS
    ]
    return out


CASES = (
    [(name, policy, _external_id_requests) for name, policy in EXTERNAL_ID_POLICIES.items()]
    + [(name, policy, _sub_requests) for name, policy in SUB_POLICIES.items()]
    + [(name, policy, _time_ip_requests) for name, policy in TIME_IP_POLICIES.items()]
    + [(name, policy, _session_requests) for name, policy in SESSION_POLICIES.items()]
    + [
        (name, policy, _source_identity_requests)
        for name, policy in SOURCE_IDENTITY_POLICIES.items()
    ]
    + [(name, policy, _credential_requests) for name, policy in CREDENTIAL_POLICIES.items()]
    + [(name, policy, _tag_requests) for name, policy in TAG_POLICIES.items()]
    + [(name, policy, _org_path_requests) for name, policy in ORG_PATH_POLICIES.items()]
    + [(name, policy, _special_requests) for name, policy in SPECIAL_VARIABLE_POLICIES.items()]
    + [
        (name, policy, _source_org_path_requests)
        for name, policy in SOURCE_ORG_PATH_POLICIES.items()
    ]
)


@pytest.mark.parametrize(("name", "policy", "universe"), CASES, ids=[c[0] for c in CASES])
def test_grants_agree_with_every_request_of_the_alphabet(name, policy, universe):
    role = Role(ROLE_ARN, policy)
    found = grants(role)
    assert found.complete, found.gaps
    allowed = 0
    for request in universe(role):
        verdict = evaluate(request).allowed
        allowed += verdict
        assert verdict == (found.covering(request) is not None), request.context.to_dict()
    # the universe reaches both answers, so the check above is not vacuous
    assert allowed, name
    assert allowed < len(universe(role)), name


@pytest.mark.parametrize(
    ("policies", "universe"),
    [
        (EXTERNAL_ID_POLICIES, _external_id_requests),
        (SUB_POLICIES, _sub_requests),
        (TIME_IP_POLICIES, _time_ip_requests),
        (SESSION_POLICIES, _session_requests),
        (SOURCE_IDENTITY_POLICIES, _source_identity_requests),
        (CREDENTIAL_POLICIES, _credential_requests),
        # one family of tag keys at a time: two families together are a gap (docs/analysis.md)
        (
            {
                k: TAG_POLICIES[k]
                for k in ("only these keys", "some key like", "one key, any case", "deny a key")
            },
            _tag_requests,
        ),
        (
            {k: TAG_POLICIES[k] for k in ("transitive only these", "transitive required")},
            _tag_requests,
        ),
        ({k: TAG_POLICIES[k] for k in ("tag value", "tag values if given")}, _tag_requests),
        (ORG_PATH_POLICIES, _org_path_requests),
        (SPECIAL_VARIABLE_POLICIES, _special_requests),
        (SOURCE_ORG_PATH_POLICIES, _source_org_path_requests),
    ],
    ids=[
        "external-id",
        "sub",
        "time-and-ip",
        "session-arn",
        "source-identity",
        "credentials",
        "tag-keys",
        "transitive-tag-keys",
        "request-tags",
        "org-paths",
        "special-variables",
        "source-org-paths",
    ],
)
def test_compare_agrees_with_every_request_of_the_alphabet(policies, universe):
    for new, reference in itertools.permutations(policies.values(), 2):
        result = compare(new, reference, role_arn=ROLE_ARN)
        new_role, reference_role = Role(ROLE_ARN, new), Role(ROLE_ARN, reference)
        separating = [
            request
            for request in universe(new_role)
            if evaluate(request).allowed
            and not evaluate(
                build_request(request.caller, reference_role, **_options(request))
            ).allowed
        ]
        assert result.no_new_access is not None
        if separating:
            assert result.no_new_access is False
        if result.no_new_access is True:
            assert not separating


def _options(request) -> dict:
    out = {
        "at": _dt.datetime.fromisoformat(
            request.context["aws:CurrentTime"][0].replace("Z", "+00:00")
        )
    }
    source_ip = request.context.get_values("aws:SourceIp")
    if source_ip is not None:
        out["source_ip"] = source_ip[0]
    external = request.context.get_values("sts:ExternalId")
    if external is not None:
        out["external_id"] = external[0]
    if isinstance(request.caller, RoleSession):  # an MFA code passed with the call, or not
        present = request.context.get_values("aws:MultiFactorAuthPresent")
        age = request.context.get_values("aws:MultiFactorAuthAge")
        if present == ("true",) and (not request.caller.mfa_authenticated or age == ("0",)):
            out["mfa"] = True
        elif present == ("false",) and request.caller.mfa_authenticated:
            out["mfa"] = False
    keys = request.context.get_values("aws:TagKeys")
    if keys is not None:
        out["tags"] = {key: request.context[f"aws:RequestTag/{key}"][0] for key in keys}
    transitive = request.context.get_values("sts:TransitiveTagKeys")
    if transitive is not None:
        out["transitive_tag_keys"] = list(transitive)
    identity = request.context.get_values("sts:SourceIdentity")
    if identity is not None:
        out["source_identity"] = identity[0]
    return out


def test_paths_that_need_two_organisations_are_reported_not_denied():
    # "every path in o-abc…" with "some path outside it" needs two organisations, which no
    # account has; the analysis cannot tell that from its regions and says it is undecided
    policy = _vendor(
        [
            {
                **_MFA_ANY,
                "Condition": {
                    "ForAllValues:StringLike": {
                        "aws:PrincipalOrgPaths": ["o-abc1234567/*", f"{_OU}ou-ab12-22222222/"]
                    }
                },
            }
        ]
    )
    role = Role(ROLE_ARN, policy)
    found = grants(role)
    assert not found.complete
    assert any("no organisation holds paths" in gap.reason for gap in found.gaps)
    for request in _org_path_requests(role):
        if found.covering(request) is not None:
            assert evaluate(request).allowed, request.context.to_dict()
