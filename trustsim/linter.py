"""The trust-policy linter: the mistakes that get roles taken over, found by reasoning.

:func:`lint` returns :class:`Finding` values, each with a stable code (docs/lint.md), a
:class:`Severity` (Access Analyzer's four kinds), the JSON pointer of the offending element
(and its line and column when the policy was read from text), a message and the fix.

Findings about *who is admitted* are not pattern matches: trustsim builds a concrete caller
an outsider could be — an IAM user of an unrelated account, a GitHub workflow of someone else's
repository — fills in every condition key that caller controls (session tags, its own user's
name, its token's ``ref``…) and asks the evaluator. Only when the evaluator allows the call
is the finding raised, and the caller comes with it as its :class:`Witness`. So
``{"AWS": "*"}`` narrowed by ``aws:PrincipalOrgID`` (which an outsider cannot choose) is not
reported, and ``{"AWS": "*"}`` narrowed only by a session tag (which anyone can pass) is.

>>> findings = lint({"Version": "2012-10-17", "Statement": {
...     "Effect": "Allow",
...     "Principal": {"Federated":
...         "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
...     "Action": "sts:AssumeRoleWithWebIdentity",
...     "Condition": {
...         "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
...         "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme*"}}}})
>>> [finding.code for finding in findings]
['OIDC_SUB_TOO_BROAD']
>>> print(findings[0].witness)
GitHub Actions token with aud "sts.amazonaws.com", sub "repo:acme-evil/app:ref:refs/heads/main" ...
"""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from trustsim import _pointer
from trustsim.arn import Arn
from trustsim.callers import (
    BUILTIN_WEB_IDENTITY_PROVIDERS,
    SAML_MULTIVALUED_KEYS,
    Caller,
    IamUser,
    InvalidCaller,
    Role,
    RoleSession,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.context import ContextValue
from trustsim.errors import InvalidContext, InvalidRequest, Position
from trustsim.loaders import load_policy
from trustsim.loaders.json_text import read_json
from trustsim.model import ConditionClause, Effect, Policy, PolicyKind, SetQualifier, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import (
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_SAML,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    assume_role,
)
from trustsim.wildcard import compile_pattern

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "Severity",
    "Witness",
    "default_role_arn",
    "lint",
]


class Severity(enum.Enum):
    """How bad a finding is: Access Analyzer's four finding types, worst first.

    >>> Severity("security_warning") > Severity.WARNING
    True
    """

    ERROR = "error"
    SECURITY_WARNING = "security_warning"
    WARNING = "warning"
    SUGGESTION = "suggestion"

    @property
    def rank(self) -> int:
        """3 for an error down to 0 for a suggestion."""
        return _RANKS[self]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __str__(self) -> str:
        return self.value


_RANKS = {
    Severity.ERROR: 3,
    Severity.SECURITY_WARNING: 2,
    Severity.WARNING: 1,
    Severity.SUGGESTION: 0,
}


@attrs.frozen
class Rule:
    """One finding code of the catalogue (docs/lint.md).

    Attributes:
        code: the stable code.
        severity: the severity of every finding with this code.
        title: one line for rule listings (SARIF ``shortDescription``).
        security_severity: GitHub code scanning's 0-10 score (SARIF ``security-severity``).
        access_analyzer: the Access Analyzer ``issueCode`` of the same check, if it has one.

    >>> RULES["OIDC_SUB_TOO_BROAD"].severity
    <Severity.SECURITY_WARNING: 'security_warning'>
    """

    code: str
    severity: Severity
    title: str
    security_severity: str
    access_analyzer: str | None = None


def _rules(*rules: Rule) -> Mapping[str, Rule]:
    return {rule.code: rule for rule in rules}


_SW, _W, _E, _S = (
    Severity.SECURITY_WARNING,
    Severity.WARNING,
    Severity.ERROR,
    Severity.SUGGESTION,
)

#: Every finding code trustsim can raise, most important first.
RULES: Mapping[str, Rule] = _rules(
    Rule("ANY_AWS_PRINCIPAL", _SW, "Any AWS principal of any account can assume the role", "9.0"),
    Rule(
        "OIDC_SUB_MISSING",
        _SW,
        "Any identity of the OIDC issuer can assume the role (no sub condition)",
        "9.0",
        "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
    ),
    Rule(
        "OIDC_SUB_TOO_BROAD",
        _SW,
        "The OIDC sub pattern admits identities of other owners or tenants",
        "8.5",
    ),
    Rule(
        "BUILTIN_IDP_AUD_MISSING",
        _SW,
        "Any application of a built-in identity provider can assume the role (no aud condition)",
        "8.5",
    ),
    Rule(
        "CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID",
        _SW,
        "Every principal of another account can assume the role without an ExternalId",
        "7.0",
    ),
    Rule(
        "IFEXISTS_ON_SECURITY_KEY",
        _SW,
        "IfExists on a security key: a request without the key passes",
        "7.5",
    ),
    Rule(
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
        _SW,
        "ForAllValues on a single-valued key: a request without the key passes",
        "7.5",
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
    ),
    Rule(
        "NEGATED_CONDITION_ON_ABSENT_KEY",
        _SW,
        "A negated condition on a key the caller never has: it never restricts",
        "6.0",
    ),
    Rule(
        "KEY_ABSENT_FOR_PRINCIPAL",
        _E,
        "A condition on a key the statement's callers never have: the statement never applies",
        "2.0",
    ),
    Rule(
        "EXTERNAL_ID_ON_FEDERATED",
        _E,
        "sts:ExternalId required of web-identity or SAML callers, which cannot pass one",
        "2.0",
    ),
    Rule(
        "MISMATCHED_ACTION_FOR_PRINCIPAL",
        _E,
        "The action is not the one this kind of principal calls",
        "2.0",
        "MISMATCHED_ACTION_FOR_PRINCIPAL",
    ),
    Rule(
        "OIDC_SUB_WILDCARD",
        _W,
        "The OIDC sub pattern admits every repository, branch or service account of the owner",
        "5.0",
        "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
    ),
    Rule(
        "CASE_VARIANT_CONDITION_KEY",
        _E,
        "One operator names the same condition key twice, in different case",
        "2.0",
        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
    ),
    Rule(
        "CONDITION_KEY_WITH_SCHEME",
        _E,
        "A condition key written with https://: it never matches",
        "2.0",
    ),
    Rule(
        "ROLES_ANYWHERE_MISSING_ACTION",
        _E,
        "IAM Roles Anywhere needs sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession",
        "2.0",
        "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
    ),
    Rule(
        "MFA_FALSE_CHECK_IN_DENY",
        _SW,
        'A Deny on aws:MultiFactorAuthPresent "false" lets long-term credentials through',
        "6.0",
    ),
    Rule("OIDC_AUD_MISSING", _W, "No condition on the OIDC audience (aud)", "4.0"),
    Rule(
        "COGNITO_AMR_MISSING",
        _W,
        "Unauthenticated (guest) Cognito identities can assume the role",
        "5.0",
    ),
    Rule(
        "SERVICE_PRINCIPAL_WITHOUT_SOURCE",
        _W,
        "A service principal without aws:SourceAccount or aws:SourceArn (confused deputy)",
        "5.0",
        "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
    ),
    Rule(
        "WILDCARD_WITHOUT_LIKE_OPERATOR",
        _W,
        "A wildcard under a String/ArnEquals operator is compared literally",
        "3.0",
        "WILDCARD_WITHOUT_LIKE_OPERATOR",
    ),
    Rule("WILDCARD_ACTION", _W, "sts:* or * as a trust-policy action", "4.0"),
    Rule("ALLOW_WITH_NOT_ACTION", _W, "Allow with NotAction in a trust policy", "4.0"),
    Rule(
        "DANGLING_UNIQUE_ID",
        _W,
        "A principal given by unique ID: the user or role it named was deleted",
        "3.0",
        "INVALID_ROLE_REFERENCE",
    ),
    Rule(
        "POLICY_SIZE_EXCEEDS_QUOTA",
        _W,
        "Longer than the default trust-policy quota of 2,048 characters",
        "1.0",
        "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
    ),
    Rule(
        "MISSING_VERSION",
        _W,
        "No Version: policy variables are literal text",
        "1.0",
        "MISSING_VERSION",
    ),
    Rule(
        "STRING_LIKE_WITHOUT_WILDCARD",
        _S,
        "StringLike with no wildcard: StringEquals says what is meant",
        "0.0",
    ),
    Rule(
        "REDUNDANT_PRINCIPAL",
        _S,
        "A role session listed next to its role, which already covers it",
        "0.0",
        "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
    ),
    Rule("EMPTY_SID_VALUE", _S, "An empty Sid", "0.0", "EMPTY_SID_VALUE"),
)


@attrs.frozen
class Witness:
    """A concrete caller and request the evaluator allows: the proof of a breadth finding.

    Attributes:
        caller: the caller (an outsider).
        action: the action it calls.
        context: the request context entries it passes (what it controls), beyond what
            trustsim derives from the caller.
        description: the witness in a few words.
        caller_allowed: whether the caller was given an identity policy allowing the call
            (a caller of another account needs its own allow; it can always give itself one).

    >>> from trustsim.callers import ServicePrincipal
    >>> print(Witness(ServicePrincipal("sns.amazonaws.com"), "sts:AssumeRole", {},
    ...               "service sns.amazonaws.com acting for any account"))
    service sns.amazonaws.com acting for any account
    """

    caller: Caller
    action: str
    context: Mapping[str, ContextValue]
    description: str
    caller_allowed: bool = False

    def __str__(self) -> str:
        return self.description

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the caller as its ``repr``)."""
        return {
            "description": self.description,
            "caller": repr(self.caller),
            "action": self.action,
            "context": {
                key: list(value) if isinstance(value, (list, tuple)) else str(value)
                for key, value in self.context.items()
            },
            "caller_allowed": self.caller_allowed,
        }


@attrs.frozen
class Finding:
    """One mistake found in a trust policy.

    Attributes:
        code: the stable code (a key of :data:`RULES`; docs/lint.md).
        severity: :class:`Severity`.
        pointer: JSON pointer of the offending element.
        message: what is wrong, with the values involved.
        fix: how to fix it.
        witness: for a breadth finding, a caller the evaluator allows.
        position: line and column of ``pointer`` when the policy was read from text.

    >>> finding = lint({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...     "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:*",
    ...     "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}})[0]
    >>> print(finding)
    /Statement/Action: warning WILDCARD_ACTION: "sts:*" allows every AssumeRole-family action ...
      fix: name the actions: sts:AssumeRole (and sts:TagSession or sts:SetSourceIdentity if ...)
    """

    code: str
    severity: Severity
    pointer: str
    message: str
    fix: str
    witness: Witness | None = None
    position: Position | None = None

    def __str__(self) -> str:
        where = self.pointer or "(document)"
        if self.position is not None:
            where += f" (line {self.position})"
        lines = [f"{where}: {self.severity} {self.code}: {self.message}", f"  fix: {self.fix}"]
        if self.witness is not None:
            lines.append(f"  witness: {self.witness}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "pointer": self.pointer,
            "line": None if self.position is None else self.position.line,
            "column": None if self.position is None else self.position.column,
            "message": self.message,
            "fix": self.fix,
            "witness": None if self.witness is None else self.witness.to_dict(),
        }


# --- entry point ---------------------------------------------------------------------------


def lint(
    policy: Policy | Mapping[str, object] | str | bytes | os.PathLike[str],
    *,
    role_arn: str | None = None,
) -> tuple[Finding, ...]:
    """Every finding for one role trust policy, statement by statement.

    ``policy`` is a :class:`~trustsim.model.Policy`, a decoded document, JSON text, bytes or
    a path (text keeps positions: findings then carry line and column). ``role_arn`` is the
    role's ARN: it tells which accounts are *other* accounts, and which account a bare OIDC
    issuer belongs to (default: :func:`default_role_arn`). Without it every account named in
    the policy is taken for another account.

    >>> trust = {"Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...          "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}}
    >>> [finding.code for finding in lint(trust)]
    ['CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID']
    >>> lint(trust, role_arn="arn:aws:iam::444455556666:role/Ops")
    ()

    Raises:
        InvalidPolicy: AWS would refuse the document (see ``trustsim validate``).
        OSError: the file cannot be read.
    """
    positions: Mapping[str, Position] = {}
    if isinstance(policy, Policy):
        document = policy
    elif isinstance(policy, Mapping):
        document = parse_policy(dict(policy), kind=PolicyKind.TRUST)
    else:
        if isinstance(policy, (str, bytes)) and _is_text(policy):
            text: str | bytes = policy
            origin = "<string>"
        else:
            path = Path(os.fspath(policy))  # type: ignore[arg-type]
            text = path.read_bytes()
            origin = str(path)
        document = load_policy(text, kind=PolicyKind.TRUST, origin=origin)
        positions = read_json(text).positions
    checker = _Checker(document, role_arn)
    findings = checker.run()
    return tuple(
        attrs.evolve(finding, position=_position(positions, finding.pointer))
        for finding in findings
    )


def _is_text(source: str | bytes) -> bool:
    # As trustsim.loaders.load_policy reads them: bytes are always a document; a string is one
    # when it starts like JSON or like the URL-encoded form the raw IAM API returns.
    if isinstance(source, bytes):
        return True
    start = source.lstrip("\ufeff \t\r\n")[:3]
    return start.startswith(("{", "[", '"')) or start.upper() == "%7B"


def _position(positions: Mapping[str, Position], pointer: str) -> Position | None:
    while pointer:
        if pointer in positions:
            return positions[pointer]
        pointer = pointer.rpartition("/")[0]
    return positions.get("")


_DEFAULT_ACCOUNT = "123456789012"
#: IAM's default quota for a role trust policy, in characters besides whitespace.
_TRUST_POLICY_QUOTA = 2048
_UNIQUE_ID = re.compile(r"(AIDA|AROA)[A-Z0-9]{12,124}")
_DEFAULT_ROLE_NAME = "trustsim-role"


def default_role_arn(policy: Policy) -> str:
    """``role/trustsim-role`` in the account of the policy's first identity-provider ARN.

    A trust policy names its OIDC and SAML providers by ARN in the role's own account, so
    that account is the best guess; otherwise ``123456789012``.

    >>> from trustsim.loaders import load_policy
    >>> default_role_arn(load_policy("examples/saml-okta.json"))
    'arn:aws:iam::111122223333:role/trustsim-role'
    """
    for statement in policy.statements:
        for value in statement.principal.federated if statement.principal else ():
            arn = Arn.try_parse(value)
            if arn is not None and arn.account:
                return f"arn:{arn.partition}:iam::{arn.account}:role/{_DEFAULT_ROLE_NAME}"
    return f"arn:aws:iam::{_DEFAULT_ACCOUNT}:role/{_DEFAULT_ROLE_NAME}"


# --- knowledge tables ----------------------------------------------------------------------

_GITHUB = "token.actions.githubusercontent.com"
_COGNITO = "cognito-identity.amazonaws.com"
#: A witness's account: no real account, never the role's or one named in a policy.
_OUTSIDER_ACCOUNT = "999999999999"
_OUTSIDER = "trustsim-outsider"

#: Keys that carry several values (SEMANTICS.md §6); every other key is single-valued.
_MULTIVALUED_KEYS = frozenset(
    {
        "aws:tagkeys",
        "aws:principalorgpaths",
        "aws:sourceorgpaths",
        "aws:calledvia",
        "aws:principalservicenameslist",
        "sts:transitivetagkeys",
        "sts:requestcontextproviders",
        "cognito-identity.amazonaws.com:amr",
    }
) | {key.lower() for key in SAML_MULTIVALUED_KEYS}

#: Keys whose absence must never let a request through (ECOSYSTEM.md §1.7, §1.13).
_SECURITY_KEYS = frozenset(
    {
        "sts:externalid",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
    }
)
_SECURITY_CLAIMS = ("sub", "aud", "amr", "oaud")

#: Keys AWS derives from an AWS principal (user, role session); absent for federated and
#: service callers (SEMANTICS.md §6.1, §6.6, §9 decision 10).
_PRINCIPAL_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principaltype",
        "aws:userid",
        "aws:username",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
    }
)
_PRINCIPAL_KEY_PREFIXES = ("aws:principaltag/",)

#: What an outsider using its own IAM user chooses freely: the call's parameters, its own
#: user's name, tags and MFA, and when it calls (SEMANTICS.md §6.1-§6.3).
_AWS_CONTROLLED = frozenset(
    {
        "sts:externalid",
        "sts:rolesessionname",
        "sts:sourceidentity",
        "sts:transitivetagkeys",
        "aws:tagkeys",
        "aws:username",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:currenttime",
        "aws:epochtime",
        "aws:requestedregion",
    }
)
_AWS_CONTROLLED_PREFIXES = ("aws:requesttag/", "aws:principaltag/")

#: Claims a GitHub Actions workflow of another owner cannot choose: they name the owner,
#: repository, enterprise and people (the sub is set by the finding itself).
_GITHUB_OWNER_BOUND = frozenset(
    {
        "repository",
        "repository_id",
        "repository_owner_id",
        "enterprise_id",
        "actor",
        "actor_id",
        "job_workflow_ref",
    }
)

#: Compute services that do not pass aws:SourceAccount/aws:SourceArn when they assume an
#: execution role, so the check would only break them (ECOSYSTEM.md §1.10).
_SERVICES_WITHOUT_SOURCE_KEYS = frozenset(
    {
        "ec2.amazonaws.com",
        "ecs-tasks.amazonaws.com",
        "eks.amazonaws.com",
        "pods.eks.amazonaws.com",
        "edgelambda.amazonaws.com",
    }
)


@attrs.frozen
class _SubjectFormat:
    """How one OIDC issuer writes ``sub``: who owns a subject, and outsiders' subjects."""

    label: str
    owner: re.Pattern[str]
    #: Text put in the first wildcard to make an outsider's subject (tried in order).
    outsider_fillers: tuple[str, ...]
    #: Text put in the first wildcard to make another subject of the same owner.
    insider_fillers: tuple[str, ...]
    #: A literal prefix this long pins the subject enough (anchored after a delimiter).
    anchored: re.Pattern[str] | None
    shared: bool
    #: What a real subject of this issuer looks like (preferred among candidates).
    well_formed: re.Pattern[str] = re.compile(r".*")


_GITHUB_FORMAT = _SubjectFormat(
    "GitHub Actions",
    re.compile(r"repo:([^/:]+)/"),
    (
        "-evil/app:ref:refs/heads/main",
        "evil/app:ref:refs/heads/main",
        "repo:evil/app:ref:refs/heads/main",
        "evil",
    ),
    ("sandbox:pull_request", "pull_request", "x"),
    re.compile(r"repo:[^/:*?]+/[^:*?]+:(ref:refs/(heads|tags)/.|environment:)"),
    shared=True,
    well_formed=re.compile(r"repo:[^/:]+/[^/:]+:(ref:refs/.+|environment:.+|pull_request)"),
)
_GITLAB_FORMAT = _SubjectFormat(
    "GitLab CI",
    re.compile(r"project_path:([^/:]+)/"),
    (
        "-evil/app:ref_type:branch:ref:main",
        "evil/app:ref_type:branch:ref:main",
        "project_path:evil/app:ref_type:branch:ref:main",
        "evil",
    ),
    ("sandbox:ref_type:branch:ref:main", "x"),
    re.compile(r"project_path:[^/:*?]+/[^:*?]+:ref_type:(branch|tag):ref:."),
    shared=True,
    well_formed=re.compile(r"project_path:[^/:]+/[^:]+:ref_type:(branch|tag):ref:.+"),
)
_TERRAFORM_FORMAT = _SubjectFormat(
    "HCP Terraform",
    re.compile(r"organization:([^:]+):"),
    (
        "-evil:project:p:workspace:w:run_phase:apply",
        "evil:project:p:workspace:w:run_phase:apply",
        "organization:evil:project:p:workspace:w:run_phase:apply",
        "evil",
    ),
    ("sandbox:workspace:w:run_phase:apply", "x"),
    re.compile(r"organization:[^:*?]+:project:[^:*?]+:workspace:[^:*?]+:run_phase:"),
    shared=True,
    well_formed=re.compile(r"organization:[^:]+:project:[^:]+:workspace:[^:]+:run_phase:.+"),
)
_EKS_FORMAT = _SubjectFormat(
    "EKS service account",
    re.compile(r"system:serviceaccount:([^:]+):"),
    ("evil:sa", "system:serviceaccount:evil:sa", "evil"),
    ("default", "x"),
    None,
    shared=False,
    well_formed=re.compile(r"system:serviceaccount:[^:]+:[^:]+"),
)
_GENERIC_FORMAT = _SubjectFormat(
    "OIDC", re.compile(r"(evil.*)"), ("evil",), ("x",), None, shared=False
)


def _subject_format(issuer: str) -> _SubjectFormat:
    if issuer == _GITHUB or issuer.startswith(_GITHUB + "/"):
        return _GITHUB_FORMAT
    if issuer == "gitlab.com" or issuer.startswith("gitlab."):
        return _GITLAB_FORMAT
    if issuer == "app.terraform.io":
        return _TERRAFORM_FORMAT
    if issuer.startswith("oidc.eks."):
        return _EKS_FORMAT
    return _GENERIC_FORMAT


# --- the checks ----------------------------------------------------------------------------


def _instance(pattern: str) -> str:
    """A value ``pattern`` matches under StringLike (each wildcard as ``x``)."""
    return pattern.replace("*", "x").replace("?", "x")


def _is_positive(clause: ConditionClause) -> bool:
    base = clause.operator.base
    return base != "Null" and "Not" not in base


def _has_wildcard(value: str) -> bool:
    # ${*} and ${?} are the escapes for literal wildcards in policy variables.
    text = value.replace("${*}", "").replace("${?}", "")
    return "*" in text or "?" in text


_OIDC_CLAIM_KEY = re.compile(r"(.+):([a-z_]+)\Z")


class _Checker:
    def __init__(self, policy: Policy, role_arn: str | None) -> None:
        self.policy = policy
        self.role_known = role_arn is not None
        self.role = Role(role_arn or default_role_arn(policy), policy)
        self.findings: list[Finding] = []
        self._allow_all: Policy | None = None

    def add(
        self, code: str, pointer: str, message: str, fix: str, witness: Witness | None = None
    ) -> None:
        rule = RULES[code]
        self.findings.append(Finding(code, rule.severity, pointer, message, fix, witness))

    def run(self) -> list[Finding]:
        if self.policy.version is None:
            self.add(
                "MISSING_VERSION",
                "",
                "the policy has no Version, so IAM reads it with the 2008-10-17 grammar: "
                "policy variables such as ${aws:username} are literal text",
                'add "Version": "2012-10-17"',
            )
        size = len(re.sub(r"\s", "", self.policy.to_json(indent=None)))
        if size > _TRUST_POLICY_QUOTA:
            self.add(
                "POLICY_SIZE_EXCEEDS_QUOTA",
                "",
                f"the policy has {size} characters besides whitespace; IAM refuses trust policies "
                f"over {_TRUST_POLICY_QUOTA} unless the account's quota was raised",
                "merge statements and value lists, or ask for a higher role trust policy quota",
            )
        for statement in self.policy.statements:
            self.statement(statement)
        return self.findings

    # -- per statement

    def statement(self, statement: Statement) -> None:
        if statement.sid == "":
            self.add(
                "EMPTY_SID_VALUE",
                self.pointer(statement, "Sid"),
                "the statement's Sid is empty",
                "give the statement a name (Sid) or remove the element",
            )
        self.actions(statement)
        self.clauses(statement)
        self.case_variant_keys(statement)
        self.mfa_false_in_deny(statement)
        if statement.effect is not Effect.ALLOW or statement.principal is None:
            return
        principal = statement.principal
        self.mismatched_actions(statement)
        self.principal_references(statement)
        if "rolesanywhere.amazonaws.com" in principal.service:
            self.roles_anywhere(statement)
        if "*" in principal.aws:
            self.any_aws_principal(statement)
        for index, value in enumerate(principal.aws):
            self.cross_account_root(statement, index, value)
        for name in principal.service:
            self.service_without_source(statement, name)
        for index, provider in enumerate(principal.federated):
            if ":saml-provider/" in provider:
                continue
            self.web_identity(statement, index, provider)

    def pointer(self, statement: Statement, *tokens: str | int) -> str:
        return _pointer.join(statement.pointer, *tokens)

    def clause_pointer(self, statement: Statement, clause: ConditionClause) -> str:
        return self.pointer(statement, "Condition", clause.operator.name, clause.key)

    # -- principals and structure

    def principal_references(self, statement: Statement) -> None:
        principal = statement.principal
        if principal is None:
            return
        here = self.pointer(statement, "Principal", "AWS")
        for value in principal.aws:
            if _UNIQUE_ID.fullmatch(value):
                kind = "user" if value.startswith("AIDA") else "role"
                self.add(
                    "DANGLING_UNIQUE_ID",
                    here,
                    f"{value} is the unique ID of an IAM {kind}: IAM shows a principal this way "
                    f"once the {kind} it named was deleted, and a {kind} created again under the "
                    "same name gets a new ID, so nobody matches",
                    f"name the {kind} by its ARN again (IAM turns it back into the new ID)",
                )
        roles = {
            (arn.account, arn.resource.rsplit("/", 1)[-1])
            for arn in map(Arn.try_parse, principal.aws)
            if arn is not None and arn.service == "iam" and arn.resource.startswith("role/")
        }
        for value in principal.aws:
            session = re.fullmatch(r"arn:[^:]+:sts::(\d{12}):assumed-role/([^/]+)/.+", value)
            if session and (session.group(1), session.group(2)) in roles:
                self.add(
                    "REDUNDANT_PRINCIPAL",
                    here,
                    f"{value} is a session of a role the statement already trusts",
                    "remove the session ARN",
                )

    def roles_anywhere(self, statement: Statement) -> None:
        named = {action.lower() for action in statement.action or ()}
        if "*" in named or "sts:*" in named:
            return
        needed = ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession")
        missing = [action for action in needed if action.lower() not in named]
        if missing:
            self.add(
                "ROLES_ANYWHERE_MISSING_ACTION",
                self.pointer(statement, "Action"),
                "IAM Roles Anywhere calls sts:AssumeRole with a source identity and session "
                f"tags; without {', '.join(missing)} its sessions are refused",
                'allow ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]',
            )

    def case_variant_keys(self, statement: Statement) -> None:
        seen: dict[tuple[str, str], str] = {}
        for clause in statement.condition:
            slot = (clause.operator.name, clause.key.lower())
            if slot in seen and seen[slot] != clause.key:
                self.add(
                    "CASE_VARIANT_CONDITION_KEY",
                    self.clause_pointer(statement, clause),
                    f"{clause.operator.name} names {seen[slot]!r} and {clause.key!r}: IAM reads "
                    "condition keys without regard to case, so both must hold at once",
                    "write the key once, with all its values in one list",
                )
            seen.setdefault(slot, clause.key)
        for clause in statement.condition:
            if clause.key.lower().startswith(("https://", "http://")):
                self.add(
                    "CONDITION_KEY_WITH_SCHEME",
                    self.clause_pointer(statement, clause),
                    f"{clause.key!r}: OIDC condition keys are the issuer without its scheme, so "
                    "no request has this key",
                    f"write {clause.key.split('://', 1)[1]!r}",
                )

    def mfa_false_in_deny(self, statement: Statement) -> None:
        if statement.effect is not Effect.DENY:
            return
        for clause in statement.condition:
            if (
                clause.key.lower() == "aws:multifactorauthpresent"
                and clause.operator.name == "Bool"
                and "false" in clause.values
            ):
                self.add(
                    "MFA_FALSE_CHECK_IN_DENY",
                    self.clause_pointer(statement, clause),
                    "aws:MultiFactorAuthPresent is absent, not false, for long-term access keys, "
                    "so this Deny does not stop callers without MFA",
                    'use {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}',
                )

    # -- actions

    def actions(self, statement: Statement) -> None:
        if statement.effect is Effect.ALLOW and statement.not_action is not None:
            self.add(
                "ALLOW_WITH_NOT_ACTION",
                self.pointer(statement, "NotAction"),
                "Allow with NotAction allows every AssumeRole-family action except those listed, "
                "including any AWS adds later",
                "list the allowed actions in Action instead",
            )
        if statement.effect is not Effect.ALLOW or statement.action is None:
            return
        for action in statement.action:
            if action in ("*", "sts:*") or action.lower() == "sts:*":
                self.add(
                    "WILDCARD_ACTION",
                    self.pointer(statement, "Action"),
                    f'"{action}" allows every AssumeRole-family action (sts:TagSession, '
                    "sts:SetSourceIdentity, sts:SetContext and any added later), not only "
                    "the call this role is for",
                    "name the actions: sts:AssumeRole (and sts:TagSession or "
                    "sts:SetSourceIdentity if the callers pass tags or a source identity)",
                )
                return

    def mismatched_actions(self, statement: Statement) -> None:
        principal = statement.principal
        if principal is None or statement.action is None or principal.star:
            return
        apis = {
            ASSUME_ROLE.lower(),
            ASSUME_ROLE_WITH_WEB_IDENTITY.lower(),
            ASSUME_ROLE_WITH_SAML.lower(),
        }
        named = {action.lower() for action in statement.action} & apis
        if not named:
            return
        wanted: set[str] = set()
        if principal.aws or principal.service:
            wanted.add(ASSUME_ROLE.lower())
        for provider in principal.federated:
            wanted.add(
                ASSUME_ROLE_WITH_SAML.lower()
                if ":saml-provider/" in provider
                else ASSUME_ROLE_WITH_WEB_IDENTITY.lower()
            )
        if named & wanted:
            return
        spelled = {
            a.lower(): a
            for a in (ASSUME_ROLE, ASSUME_ROLE_WITH_WEB_IDENTITY, ASSUME_ROLE_WITH_SAML)
        }
        self.add(
            "MISMATCHED_ACTION_FOR_PRINCIPAL",
            self.pointer(statement, "Action"),
            f"the statement allows {', '.join(sorted(spelled[a] for a in named))}, but its "
            f"principals call {', '.join(sorted(spelled[a] for a in wanted))}: it never applies",
            f"use {' / '.join(sorted(spelled[a] for a in wanted))} for these principals",
        )

    # -- conditions

    def principal_kinds(self, statement: Statement) -> set[str]:
        principal = statement.principal
        if principal is None or principal.star:
            return {"aws", "service", "federated"}
        kinds = set()
        if principal.aws:
            kinds.add("aws")
        if principal.service:
            kinds.add("service")
        if principal.federated:
            kinds.add("federated")
        return kinds

    def clauses(self, statement: Statement) -> None:
        kinds = self.principal_kinds(statement)
        federated_only = kinds == {"federated"} and statement.effect is Effect.ALLOW
        no_aws_principal = "aws" not in kinds and statement.effect is Effect.ALLOW
        for clause in statement.condition:
            key = clause.key.lower()
            pointer = self.clause_pointer(statement, clause)
            operator = clause.operator
            if operator.base.startswith(("String", "Arn")) and operator.base.endswith(
                ("Equals", "EqualsIgnoreCase")
            ):
                wild = [v for v in clause.values if _has_wildcard(v)]
                if wild:
                    like = operator.base.replace("Equals", "Like").replace("IgnoreCase", "")
                    self.add(
                        "WILDCARD_WITHOUT_LIKE_OPERATOR",
                        pointer,
                        f"{operator.name} compares {wild[0]!r} literally: the * or ? is not a "
                        "wildcard, so only a value with that very character matches",
                        f"use {like} if the wildcard is meant, or remove it",
                    )
            # AWS's own examples write ForAnyValue:StringLike for Cognito's amr; not noise.
            if (
                operator.base in ("StringLike", "StringNotLike")
                and operator.qualifier is None
                and not any(_has_wildcard(v) for v in clause.values)
            ):
                self.add(
                    "STRING_LIKE_WITHOUT_WILDCARD",
                    pointer,
                    f"{operator.name} {clause.key} has no * or ? in its values: it compares "
                    "exactly, as StringEquals does",
                    f"use {operator.name.replace('Like', 'Equals')} to say so",
                )
            if operator.if_exists and self.is_security_key(key):
                self.add(
                    "IFEXISTS_ON_SECURITY_KEY",
                    pointer,
                    f"{operator.name} on {clause.key}: a request without {clause.key} passes "
                    "the condition, so a caller bypasses it by leaving the key out",
                    f"use {operator.name.removesuffix('IfExists')}",
                )
            if operator.qualifier is SetQualifier.FOR_ALL_VALUES and key not in _MULTIVALUED_KEYS:
                self.add(
                    "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                    pointer,
                    f"ForAllValues on the single-valued key {clause.key} is true when the "
                    "request has no such key, so it never stops a request without it",
                    f"drop the ForAllValues: qualifier ({operator.name.split(':', 1)[1]})",
                )
            absent = (federated_only or no_aws_principal) and self.is_principal_key(key)
            if key == "sts:externalid" and federated_only:
                if _is_positive(clause) and not operator.if_exists:
                    self.add(
                        "EXTERNAL_ID_ON_FEDERATED",
                        pointer,
                        "web-identity and SAML calls cannot pass an ExternalId, so this "
                        "condition never matches and the statement never applies",
                        "remove the sts:ExternalId condition; narrow with the provider's "
                        "claim keys (sub, aud) instead",
                    )
                continue
            if absent and operator.base != "Null":
                who = "federated (web-identity, SAML)" if federated_only else "service"
                if _is_positive(clause) and not operator.if_exists and operator.qualifier is None:
                    self.add(
                        "KEY_ABSENT_FOR_PRINCIPAL",
                        pointer,
                        f"{clause.key} is never in the request of a {who} caller, so "
                        f"{operator.name} never matches and the statement never applies",
                        "use the keys these callers carry (for OIDC the provider's sub and "
                        "aud, for SAML saml:sub, for services aws:SourceAccount)",
                    )
                elif not _is_positive(clause) or operator.if_exists:
                    self.add(
                        "NEGATED_CONDITION_ON_ABSENT_KEY",
                        pointer,
                        f"{clause.key} is never in the request of a {who} caller, so "
                        f"{operator.name} always matches: it restricts nothing",
                        "narrow with the keys these callers carry (the provider's sub and aud, "
                        "saml:sub, aws:SourceAccount)",
                    )

    def is_security_key(self, key: str) -> bool:
        if key in _SECURITY_KEYS:
            return True
        match = _OIDC_CLAIM_KEY.fullmatch(key)
        return (
            match is not None and not key.startswith("aws:") and match.group(2) in _SECURITY_CLAIMS
        )

    def is_principal_key(self, key: str) -> bool:
        return key in _PRINCIPAL_KEYS or key.startswith(_PRINCIPAL_KEY_PREFIXES)

    # -- witnesses

    def allow_all(self) -> Policy:
        if self._allow_all is None:
            document = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": self.role.arn}],
            }
            self._allow_all = parse_policy(document, kind=PolicyKind.IDENTITY)
        return self._allow_all

    def allowed(self, caller: Caller, action: str, context: Mapping[str, ContextValue]) -> bool:
        try:
            outcome = assume_role(caller, self.role, action=action, context=dict(context))
        except (InvalidRequest, InvalidContext, InvalidCaller):
            return False
        return outcome.allowed

    def satisfy(
        self,
        statement: Statement,
        controlled: Callable[[str], bool],
        context: dict[str, ContextValue],
    ) -> dict[str, ContextValue]:
        """Context entries, for the keys the caller controls, that meet the statement."""
        for clause in statement.condition:
            key = clause.key.lower()
            if not controlled(key) or clause.key in context or not clause.values:
                continue
            base = clause.operator.base
            value: ContextValue | None = None
            if base == "Null":
                if clause.values[0] == "false":
                    value = "trustsim"
            elif base == "Bool":
                value = clause.values[0]
            elif base.startswith(("String", "Arn")) and _is_positive(clause):
                value = _instance(clause.values[0])
            elif base.startswith(("String", "Arn")):
                value = "trustsim-witness"
            if value is None:
                continue
            if clause.operator.qualifier is not None or key in _MULTIVALUED_KEYS:
                value = [value] if isinstance(value, str) else value
            context[clause.key] = value
        return context

    def aws_outsider(
        self, statement: Statement, account: str
    ) -> tuple[Caller, dict[str, ContextValue]]:
        """An IAM principal of ``account`` that names and tags itself to fit the statement."""
        caller: Caller = IamUser(
            f"arn:aws:iam::{account}:user/{_OUTSIDER}", policies=(self.allow_all(),)
        )
        for clause in statement.condition:
            if clause.key.lower() != "aws:principalarn" or not _is_positive(clause):
                continue
            wanted = Arn.try_parse(clause.values[0])
            if wanted is None or not compile_pattern(wanted.account or "-")(account):
                continue
            arn = Arn("aws", "iam", "", account, _instance(wanted.resource))
            try:
                if arn.resource.startswith("user/"):
                    caller = IamUser(str(arn), policies=(self.allow_all(),))
                elif arn.resource.startswith("role/"):
                    caller = RoleSession(str(arn), "trustsim", policies=(self.allow_all(),))
            except InvalidCaller:
                continue
            break

        def controlled(key: str) -> bool:
            return key in _AWS_CONTROLLED or key.startswith(_AWS_CONTROLLED_PREFIXES)

        return caller, self.satisfy(statement, controlled, {})

    # -- breadth findings

    def any_aws_principal(self, statement: Statement) -> None:
        caller, context = self.aws_outsider(statement, _OUTSIDER_ACCOUNT)
        if not self.allowed(caller, ASSUME_ROLE, context):
            return
        passes = f", passing {_describe_context(context)}" if context else ""
        witness = Witness(
            caller,
            ASSUME_ROLE,
            context,
            f"{_describe_caller(caller)} of an unrelated account ({_OUTSIDER_ACCOUNT}){passes}",
            caller_allowed=True,
        )
        self.add(
            "ANY_AWS_PRINCIPAL",
            self.pointer(statement, "Principal", "AWS"),
            '{"AWS": "*"} with no condition an outsider cannot meet: any IAM user or role of '
            "any AWS account, whose own policy allows it, can assume this role",
            "name the trusted principals, or narrow with a key outsiders cannot choose: "
            "aws:PrincipalOrgID, aws:PrincipalAccount, or aws:PrincipalArn with your account",
            witness,
        )

    def cross_account_root(self, statement: Statement, index: int, value: str) -> None:
        account: str | None = None
        if re.fullmatch(r"\d{12}", value):
            account = value
        else:
            arn = Arn.try_parse(value)
            if arn is not None and arn.service == "iam" and arn.resource == "root":
                account = arn.account
        if account is None or (self.role_known and account == self.role.account_id):
            return
        caller = IamUser(f"arn:aws:iam::{account}:user/{_OUTSIDER}", policies=(self.allow_all(),))
        if not self.allowed(caller, ASSUME_ROLE, {}):
            return
        self.add(
            "CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID",
            self.pointer(statement, "Principal", "AWS"),
            f"every principal of account {account} whose own policy allows it can assume this "
            "role without an ExternalId: if that account is a vendor's, any of its customers "
            "can have it act on this role (the confused deputy)",
            'add a condition {"StringEquals": {"sts:ExternalId": "<the id the vendor issued '
            'you>"}}, or name the one role that should assume (aws:PrincipalArn)',
            Witness(
                caller,
                ASSUME_ROLE,
                {},
                f"{_describe_caller(caller)} calling without an ExternalId",
                caller_allowed=True,
            ),
        )

    def service_without_source(self, statement: Statement, name: str) -> None:
        if name in _SERVICES_WITHOUT_SOURCE_KEYS:
            return
        keys = {clause.key.lower() for clause in statement.condition}
        if keys & {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}:
            return
        try:
            caller = ServicePrincipal(name)
        except InvalidCaller:
            return
        if not self.allowed(caller, ASSUME_ROLE, {}):
            return
        self.add(
            "SERVICE_PRINCIPAL_WITHOUT_SOURCE",
            self.pointer(statement, "Principal", "Service"),
            f"{name} may assume this role on behalf of any account's resources: another "
            "customer of the service can point it at this role (cross-service confused deputy)",
            'add {"StringEquals": {"aws:SourceAccount": "<your account>"}} or an ArnLike '
            "aws:SourceArn condition — for services that pass these keys when they assume roles",
            Witness(caller, ASSUME_ROLE, {}, f"service {name} acting for another account"),
        )

    def web_identity(self, statement: Statement, index: int, provider: str) -> None:
        arn = Arn.try_parse(provider)
        issuer = (
            arn.resource_name
            if arn is not None and arn.resource_type == "oidc-provider"
            else provider
        )
        builtin = provider in BUILTIN_WEB_IDENTITY_PROVIDERS
        here = self.pointer(statement, "Principal", "Federated")
        keys: dict[str, list[ConditionClause]] = {}
        for clause in statement.condition:
            keys.setdefault(clause.key.lower(), []).append(clause)
        sub_key, aud_key = f"{issuer}:sub".lower(), f"{issuer}:aud".lower()
        fmt = _subject_format(issuer)
        aud = self.audience(keys.get(aud_key, []))
        if builtin:
            if aud_key not in keys:
                witness = self.oidc_witness(
                    statement, provider, issuer, fmt, {"aud": "outsider-app"}, builtin=True
                )
                if witness is not None:
                    self.add(
                        "BUILTIN_IDP_AUD_MISSING",
                        here,
                        f"no condition on {issuer}:aud: a token {issuer} issued to any "
                        "application, of anyone, can assume this role",
                        f'add {{"StringEquals": {{"{issuer}:aud": "<your app or identity pool id>"}}}}',
                        witness,
                    )
            if provider == _COGNITO and f"{_COGNITO}:amr" not in keys:
                claims: dict[str, str | tuple[str, ...]] = {
                    "aud": aud or "us-east-1:pool",
                    "amr": ("unauthenticated",),
                }
                witness = self.oidc_witness(statement, provider, issuer, fmt, claims, builtin=True)
                if witness is not None:
                    self.add(
                        "COGNITO_AMR_MISSING",
                        here,
                        "no condition on cognito-identity.amazonaws.com:amr: unauthenticated "
                        "(guest) identities of the pool can assume this role",
                        'add {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": '
                        '"authenticated"}}',
                        witness,
                    )
            return
        if aud_key not in keys:
            witness = self.oidc_witness(statement, provider, issuer, fmt, {"aud": "outsider-app"})
            if witness is not None:
                self.add(
                    "OIDC_AUD_MISSING",
                    here,
                    f"no condition on {issuer}:aud: the role relies on the audiences registered "
                    "on the IAM OIDC provider alone",
                    f'add {{"StringEquals": {{"{issuer}:aud": "sts.amazonaws.com"}}}} (or your '
                    "client ID)",
                    witness,
                )
        sub_clauses = [c for c in keys.get(sub_key, []) if _is_positive(c)]
        if not sub_clauses:
            if sub_key in keys:
                return
            witness = self.oidc_witness(
                statement,
                provider,
                issuer,
                fmt,
                {"aud": aud or "sts.amazonaws.com", "sub": fmt.outsider_fillers[-1]},
            )
            if witness is not None:
                self.add(
                    "OIDC_SUB_MISSING",
                    here,
                    f"no condition on {issuer}:sub: every identity {issuer} issues tokens to"
                    + (" — anyone's, on a shared issuer —" if fmt.shared else "")
                    + " can assume this role",
                    f'add {{"StringEquals": {{"{issuer}:sub": "<the exact subject>"}}}}',
                    witness,
                )
            return
        for clause in sub_clauses:
            if clause.operator.base != "StringLike":
                continue
            self.sub_breadth(statement, clause, provider=provider, issuer=issuer, fmt=fmt, aud=aud)

    def audience(self, clauses: Iterable[ConditionClause]) -> str | None:
        for clause in clauses:
            if _is_positive(clause) and clause.values:
                return _instance(clause.values[0])
        return None

    def sub_breadth(
        self,
        statement: Statement,
        clause: ConditionClause,
        *,
        provider: str,
        issuer: str,
        fmt: _SubjectFormat,
        aud: str | None,
    ) -> None:
        pointer = self.clause_pointer(statement, clause)
        for value in clause.values:
            if not _has_wildcard(value):
                continue
            outsider = self.subject(value, fmt.outsider_fillers, fmt, foreign=True)
            if outsider is not None:
                witness = self.oidc_witness(
                    statement,
                    provider,
                    issuer,
                    fmt,
                    {"aud": aud or "sts.amazonaws.com", "sub": outsider},
                )
                if witness is not None:
                    self.add(
                        "OIDC_SUB_TOO_BROAD",
                        pointer,
                        f"{value!r} also matches {outsider!r}: a subject of another "
                        + ("owner" if fmt is not _EKS_FORMAT else "namespace")
                        + f" — {fmt.label} identities that are not yours can assume this role",
                        "match the whole subject with StringEquals (repo:OWNER/REPO:ref:refs/"
                        "heads/main), or anchor a wildcard after the owner and name "
                        "(repo:OWNER/REPO:environment:*)",
                        witness,
                    )
                    continue
            if fmt.anchored is None and fmt is _GENERIC_FORMAT:
                continue
            prefix = re.split(r"[*?]", value, maxsplit=1)[0]
            if fmt.anchored is not None and fmt.anchored.match(prefix):
                continue
            insider = self.subject(value, fmt.insider_fillers, fmt, foreign=False)
            if insider is None:
                continue
            witness = self.oidc_witness(
                statement,
                provider,
                issuer,
                fmt,
                {"aud": aud or "sts.amazonaws.com", "sub": insider},
            )
            if witness is not None:
                self.add(
                    "OIDC_SUB_WILDCARD",
                    pointer,
                    f"{value!r} matches {insider!r} too: every "
                    + (
                        "repository, branch, pull request and environment"
                        if fmt is _GITHUB_FORMAT
                        else "service account"
                        if fmt is _EKS_FORMAT
                        else "project and branch"
                    )
                    + " the pattern covers can assume this role",
                    "pin the subject (repo:OWNER/REPO:ref:refs/heads/main or "
                    "repo:OWNER/REPO:environment:prod for a deploy role)",
                    witness,
                )

    def subject(
        self, pattern: str, fillers: Iterable[str], fmt: _SubjectFormat, *, foreign: bool
    ) -> str | None:
        matches = compile_pattern(pattern)
        found: list[str] = []
        for filler in fillers:
            head, _, tail = pattern.replace("?", "*").partition("*")
            candidate = head + filler + tail.replace("*", "x")
            if not matches(candidate):
                continue
            owner = fmt.owner.match(candidate)
            is_foreign = owner is not None and "evil" in owner.group(1)
            if is_foreign == foreign:
                found.append(candidate)

        def rank(candidate: str) -> tuple[bool, bool, int]:
            owner = fmt.owner.match(candidate)
            name = owner.group(1) if owner else ""
            natural = name == "evil" or re.fullmatch(r".*[A-Za-z0-9]-evil", name) is not None
            return (not fmt.well_formed.fullmatch(candidate), not natural, len(candidate))

        return min(found, key=rank) if found else None

    def oidc_witness(
        self,
        statement: Statement,
        provider: str,
        issuer: str,
        fmt: _SubjectFormat,
        claims: Mapping[str, str | tuple[str, ...]],
        *,
        builtin: bool = False,
    ) -> Witness | None:
        token: dict[str, str | tuple[str, ...]] = dict(claims)
        sub = token.get("sub")
        if fmt is _GITHUB_FORMAT and isinstance(sub, str):
            parsed = re.match(r"repo:([^/:@]+)(?:@\d+)?/([^:@]+)", sub)
            if parsed:
                token["repository"] = f"{parsed.group(1)}/{parsed.group(2)}"
        bound = _GITHUB_OWNER_BOUND if fmt is _GITHUB_FORMAT else frozenset({"email"})
        fixed = set(token)
        prefix = issuer.lower() + ":"

        def controlled(key: str) -> bool:
            if key.startswith(prefix):
                claim = key[len(prefix) :]
                if claim in fixed or claim in bound:
                    return False
                # A built-in provider's claims name the victim's app, pool and users; only
                # how the identity signed in (amr) is the caller's choice.
                return not builtin or claim == "amr"
            return key in _AWS_CONTROLLED or key.startswith("aws:requesttag/")

        context = self.satisfy(statement, controlled, {})
        for key in list(context):
            if key.lower().startswith(prefix):
                value = context.pop(key)
                token[key[len(prefix) :]] = _as_claim(value)
        try:
            caller = WebIdentity(provider, token)
        except InvalidCaller:
            return None
        if not self.allowed(caller, ASSUME_ROLE_WITH_WEB_IDENTITY, context):
            return None
        shown = ", ".join(
            f"{name} {json.dumps(value if isinstance(value, str) else list(value))}"
            for name, value in token.items()
            if name in ("sub", "aud", "amr") and name in claims
        )
        label = fmt.label if fmt is not _GENERIC_FORMAT else "web identity"
        return Witness(
            caller,
            ASSUME_ROLE_WITH_WEB_IDENTITY,
            context,
            f"{label} token with {shown} (issuer {issuer})",
        )


def _as_claim(value: ContextValue) -> str | tuple[str, ...]:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(str(item) for item in value)
    return str(value)


def _describe_caller(caller: Caller) -> str:
    if isinstance(caller, IamUser):
        return f"IAM user {caller.arn}"
    if isinstance(caller, RoleSession):
        return f"a session of role {caller.role_arn}"
    return repr(caller)


def _describe_context(context: Mapping[str, ContextValue]) -> str:
    return ", ".join(f"{key}={value}" for key, value in context.items())
