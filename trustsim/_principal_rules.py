"""The Principal and NotPrincipal rules of :mod:`trustsim.validation`, per policy kind.

A role trust policy must name who may assume the role, each value a principal IAM can
resolve when it saves the policy (docs/semantics.md §2.5)::

    aws       := "*" | account-id | unique-id | root / user / role / session ARN
    service   := a service name such as "lambda.amazonaws.com" (no wildcard)
    federated := oidc-provider ARN | saml-provider ARN | a built-in web identity provider

Identity policies, permissions boundaries, session policies and SCPs name no principal; an
RCP's Principal is always ``"*"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from trustsim import _pointer
from trustsim._valid_values import found_valid, known_valid
from trustsim.arn import Arn
from trustsim.errors import Problem
from trustsim.model import PolicyKind, Principal, Statement

__all__ = [
    "MALFORMED",
    "ORGANIZATIONS",
    "kind_phrase",
    "principal_element_problems",
    "principal_reason",
]

#: IAM's answers, as recorded by the sources of docs/semantics.md §1.
MALFORMED = "MalformedPolicyDocument"
_NO_PRINCIPALS = "MalformedPolicyDocument: The passed in policy has a statement with no principals!"
_IDENTITY_PRINCIPAL = "MalformedPolicyDocument: Policy document should not specify a principal."
ORGANIZATIONS = (
    "MalformedPolicyException: The provided policy document does not meet the requirements "
    "of the specified policy type."
)

#: Web identity providers built into AWS, named by host in ``Federated`` [DOC PRINCIPAL].
_BUILT_IN_WEB_IDPS = frozenset(
    {
        "cognito-identity.amazonaws.com",
        "accounts.google.com",
        "graph.facebook.com",
        "www.amazon.com",
    }
)

_ACCOUNT_ID = re.compile(r"[0-9]{12}\Z")
_PARTITION = re.compile(r"aws(-[a-z]+)*\Z")
_UNIQUE_ID = re.compile(r"(AIDA|AROA)[A-Z0-9]{12,124}\Z")
_OTHER_UNIQUE_ID = re.compile(r"A[A-Z]{3}[A-Z0-9]{12,124}\Z")
_ENTITY_NAME = re.compile(r"[\w+=,.@-]{1,64}\Z", re.ASCII)  # CreateUser/CreateRole: 1-64
_ENTITY_PATH = re.compile(r"/([\x21-\x7e]*/)?\Z")
_SESSION_NAME = re.compile(r"[\w+=,.@-]+\Z", re.ASCII)
_SERVICE_NAME = re.compile(
    r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+\Z"
)
#: The plainest account IDs and root, user and role ARNs: text _aws_principal_reason accepts,
#: checked before it (most values of most trust policies are such; the rest meet every rule).
_PLAIN_AWS = re.compile(
    r"(?:[0-9]{12}|arn:aws:iam::[0-9]{12}:(?:root|(?:role|user)/(?:[A-Za-z0-9_+=,.@-]+/)*"
    r"[A-Za-z0-9_+=,.@-]{1,64}))\Z"
)
#: The plainest OIDC and SAML provider ARNs: text that _federated_principal_reason accepts.
_PLAIN_PROVIDER = re.compile(r"arn:aws:iam::[0-9]{12}:(?:oidc|saml)-provider/[A-Za-z0-9._/-]+\Z")


_Reason = tuple[str, str] | None  # a problem's code and message, or None: no problem


def kind_phrase(kind: PolicyKind) -> str:
    """How a message names a policy of ``kind``.

    >>> kind_phrase(PolicyKind.SCP)
    'a service control policy'
    """
    return {
        PolicyKind.TRUST: "a role trust policy",
        PolicyKind.IDENTITY: "an identity policy",
        PolicyKind.MANAGED: "a managed policy",
        PolicyKind.PERMISSIONS_BOUNDARY: "a permissions boundary",
        PolicyKind.SESSION: "a session policy",
        PolicyKind.SCP: "a service control policy",
        PolicyKind.RCP: "a resource control policy",
    }[kind]


def principal_element_problems(statement: Statement, kind: PolicyKind) -> list[Problem]:
    """What the rules of ``kind`` refuse in the statement's Principal and NotPrincipal."""
    where = statement.pointer
    if kind is PolicyKind.TRUST:
        return _trust_principal_problems(statement)
    problems: list[Problem] = []
    if kind is PolicyKind.RCP:
        if statement.not_principal is not None:
            problems.append(
                Problem(
                    "PROHIBITED_PRINCIPAL",
                    _pointer.join(where, "NotPrincipal"),
                    'a resource control policy cannot use NotPrincipal; use "Principal": "*" '
                    "with a condition instead",
                    ORGANIZATIONS,
                )
            )
        if statement.principal is None or statement.principal != Principal(star=True):
            # RCP syntax page: the Principal element of an RCP is always "*".
            problems.append(
                Problem(
                    "RCP_PRINCIPAL_NOT_STAR",
                    _pointer.join(where, "Principal") if statement.principal else where,
                    'every statement of a resource control policy must have "Principal": "*" '
                    "(narrow it with conditions)",
                    ORGANIZATIONS,
                )
            )
        return problems
    aws_says = ORGANIZATIONS if kind is PolicyKind.SCP else _IDENTITY_PRINCIPAL
    for element, value in (
        ("Principal", statement.principal),
        ("NotPrincipal", statement.not_principal),
    ):
        if value is not None:
            problems.append(
                Problem(
                    "PROHIBITED_PRINCIPAL",
                    _pointer.join(where, element),
                    f"{kind_phrase(kind)} cannot have a {element} element: it applies to "
                    "the identity it is attached to",
                    aws_says,
                )
            )
    return problems


def _trust_principal_problems(statement: Statement) -> list[Problem]:
    where = statement.pointer
    if statement.not_principal is not None:
        # [DOC NOTPRINCIPAL] "You cannot use the NotPrincipal element in … an IAM role trust policy".
        return [
            Problem(
                "NOT_PRINCIPAL_IN_TRUST_POLICY",
                _pointer.join(where, "NotPrincipal"),
                "a role trust policy cannot use NotPrincipal; name who may assume the role "
                "in Principal (with conditions to narrow it)",
                MALFORMED,
            )
        ]
    principal = statement.principal
    if principal is None:
        # [DOC PRINCIPAL] resource-based policies must name a principal.
        return [
            Problem(
                "MISSING_PRINCIPAL",
                where,
                "a statement of a role trust policy must have a Principal",
                MALFORMED,
            )
        ]
    if principal.star:
        # [EXP CDK-5732; DOC AA-CHECKS "unsupported wildcard in principal"]
        return [
            Problem(
                "BARE_STAR_PRINCIPAL",
                _pointer.join(where, "Principal"),
                'a role trust policy cannot use "Principal": "*"; write {"AWS": "*"} '
                "(with conditions) to trust every AWS principal",
                f'{MALFORMED}: AssumeRolepolicy contained an invalid principal: "STAR":"*".',
            )
        ]
    if principal.is_empty:
        return [
            Problem(
                "EMPTY_PRINCIPAL",
                _pointer.join(where, "Principal"),
                "the Principal names nobody",
                _NO_PRINCIPALS,
            )
        ]
    problems: list[Problem] = []
    for name, values in (
        ("AWS", principal.aws),
        ("Service", principal.service),
        ("Federated", principal.federated),
    ):
        for index, value in enumerate(values):
            reason = principal_reason(name, value)
            if reason is None:
                continue
            code, message = reason
            problems.append(
                Problem(
                    code,
                    _pointer.join(where, "Principal", name, index),
                    message,
                    f'{MALFORMED}: Invalid principal in policy: "{name}":"{value}"',
                )
            )
    if principal.canonical_user:
        # [DOC PRINCIPAL] canonical user IDs are an S3 notion; no caller of STS has one.
        problems.append(
            Problem(
                "UNSUPPORTED_PRINCIPAL_TYPE",
                _pointer.join(where, "Principal", "CanonicalUser"),
                "CanonicalUser principals exist only in Amazon S3 policies; they cannot assume a role",
                f"{MALFORMED}: Invalid principal in policy",
            )
        )
    return problems


def _aws_principal_reason(value: str) -> _Reason:
    """Grammar: ``aws := "*" | account-id | unique-id | root/user/role/session ARN``.

    The forms are those of docs/semantics.md §2.5; federated-user ARNs are accepted too.
    Returns the problem's code and message, or ``None`` for a principal IAM resolves.
    """
    if value == "*":
        return None
    if "${" in value:
        return (
            "VARIABLE_IN_PRINCIPAL",
            f'"{value}": policy variables are not expanded in Principal; IAM resolves each '
            "principal to a real entity when the policy is saved",
        )
    if "*" in value or "?" in value:
        return (
            "WILDCARD_IN_PRINCIPAL",
            f'"{value}": a wildcard cannot match part of a principal name or ARN; use '
            '{"AWS": "*"} with an aws:PrincipalArn condition instead',
        )
    if _ACCOUNT_ID.match(value) or _UNIQUE_ID.match(value):
        return None
    if value.startswith("AGPA") and _OTHER_UNIQUE_ID.match(value):
        return ("GROUP_PRINCIPAL", f'"{value}" is a group ID; IAM groups are not principals')
    arn = Arn.try_parse(value)
    if arn is None:
        return (
            "MALFORMED_PRINCIPAL",
            f'"{value}" is not an AWS principal: expected "*", a 12-digit account ID, or the ARN '
            "of an account root, IAM user, IAM role or role session",
        )
    return _aws_arn_reason(arn, value)


def _aws_arn_reason(arn: Arn, value: str) -> _Reason:
    malformed = "MALFORMED_PRINCIPAL"
    if not _PARTITION.match(arn.partition):
        return (malformed, f'"{value}": "{arn.partition}" is not an AWS partition')
    if arn.service not in {"iam", "sts"}:
        return (malformed, f'"{value}": principal ARNs belong to iam or sts, not "{arn.service}"')
    if arn.region:
        return (malformed, f'"{value}": IAM and STS principal ARNs have no region')
    if not _ACCOUNT_ID.match(arn.account):
        return (malformed, f'"{value}": the account must be a 12-digit account ID')
    kind, name = arn.resource_type, arn.resource_name
    if arn.service == "iam":
        if arn.resource == "root":
            return None
        if kind == "group":
            return ("GROUP_PRINCIPAL", f'"{value}" is an IAM group; groups are not principals')
        if kind in {"user", "role"}:
            path, _, entity = ("/" + name).rpartition("/")
            if _ENTITY_NAME.match(entity) and _ENTITY_PATH.match(path + "/"):
                return None
            return (malformed, f'"{value}": not a valid IAM {kind} name or path')
        return (
            malformed,
            f'"{value}": an IAM {kind or "resource"} is not a principal (expected root, user/… or role/…)',
        )
    parts = name.split("/")
    if kind == "assumed-role" and len(parts) == 2 and all(_SESSION_NAME.match(p) for p in parts):
        return None
    if kind == "federated-user" and len(parts) == 1 and _SESSION_NAME.match(name):
        return None
    return (
        malformed,
        f'"{value}": an STS principal is assumed-role/ROLE/SESSION or federated-user/NAME',
    )


def _service_principal_reason(value: str) -> _Reason:
    if value == "*":
        # [DOC PRINCIPAL] 'The service principal … can't be "Service": "*"'.
        return (
            "SERVICE_WILDCARD",
            'a service principal cannot be "*"; name each service, such as "lambda.amazonaws.com"',
        )
    if "*" in value or "?" in value:
        return (
            "WILDCARD_IN_PRINCIPAL",
            f'"{value}": a wildcard cannot match part of a service principal name',
        )
    if not _SERVICE_NAME.match(value):
        return (
            "MALFORMED_PRINCIPAL",
            f'"{value}" is not a service principal name such as "lambda.amazonaws.com"',
        )
    return None


def _federated_principal_reason(value: str) -> _Reason:
    """Grammar: ``federated := oidc-provider-arn | saml-provider-arn | built-in web IdP``."""
    if "*" in value or "?" in value:
        return (
            "WILDCARD_IN_PRINCIPAL",
            f'"{value}": a wildcard cannot match part of an identity provider',
        )
    if value in _BUILT_IN_WEB_IDPS:
        return None
    arn = Arn.try_parse(value)
    if arn is None:
        host = value.removeprefix("https://").rstrip("/")
        hint = (
            f' (an OIDC provider is named by its ARN: "arn:aws:iam::ACCOUNT-ID:oidc-provider/{host}")'
            if "." in host
            else ""
        )
        return (
            "MALFORMED_PRINCIPAL",
            f'"{value}" is not an identity provider: expected an IAM OIDC or SAML provider ARN, '
            f"or one of {', '.join(sorted(_BUILT_IN_WEB_IDPS))}{hint}",
        )
    kind, name = arn.resource_type, arn.resource_name
    valid = (
        _PARTITION.match(arn.partition)
        and arn.service == "iam"
        and not arn.region
        and _ACCOUNT_ID.match(arn.account)
        and kind in {"oidc-provider", "saml-provider"}
        and name
    )
    if valid:
        return None
    return (
        "MALFORMED_PRINCIPAL",
        f'"{value}" is not an identity provider ARN '
        "(arn:PARTITION:iam::ACCOUNT-ID:oidc-provider/HOST or …:saml-provider/NAME)",
    )


#: Per principal type (its JSON name): the plain form accepted at once, the full rules.
_VALUE_RULES: dict[str, tuple[Callable[[str], object], Callable[[str], _Reason]]] = {
    "AWS": (_PLAIN_AWS.match, _aws_principal_reason),
    "Service": (_SERVICE_NAME.match, _service_principal_reason),
    "Federated": (_PLAIN_PROVIDER.match, _federated_principal_reason),
}


#: Per principal type: the plain form, accepted at once (what ``principal_reason`` tries first).
PLAIN_PRINCIPALS: dict[str, Callable[[str], object]] = {
    name: plain for name, (plain, _) in _VALUE_RULES.items()
}


def principal_reason(name: str, value: str) -> _Reason:
    """What the rules of principal type ``name`` (``AWS``, ``Service``, ``Federated``) refuse in ``value``.

    The code and message of the problem, or ``None`` when IAM accepts the value: its plain
    form by one regular expression (cheaper than the memo, see ``_PLAIN_AWS``), else every
    rule, once per distinct value — its problems depend on its type and text alone
    (``trustsim._valid_values``).

    >>> principal_reason("AWS", "111122223333") is None
    True
    >>> principal_reason("Service", "*")[0]
    'SERVICE_WILDCARD'
    """
    plain, reason_for = _VALUE_RULES[name]
    if plain(value):
        return None
    key = ("principal", name, value)
    if known_valid(key):
        return None
    reason = reason_for(value)
    if reason is None:
        found_valid(key)
    return reason
