"""What the linter knows about IAM keys, callers and OIDC subject formats."""

from __future__ import annotations

import re

import attrs

from trustsim.callers import (
    SAML_MULTIVALUED_KEYS,
)
from trustsim.model import ConditionClause, SetQualifier

_DEFAULT_ACCOUNT = "123456789012"
#: IAM's default quota for a role trust policy, in characters besides whitespace.
TRUST_POLICY_QUOTA = 2048
UNIQUE_ID = re.compile(r"(AIDA|AROA)[A-Z0-9]{12,124}")

# --- knowledge tables ----------------------------------------------------------------------

GITHUB = "token.actions.githubusercontent.com"
COGNITO = "cognito-identity.amazonaws.com"
#: A witness's account: no real account, never the role's or one named in a policy.
OUTSIDER_ACCOUNT = "999999999999"
OUTSIDER = "trustsim-outsider"

#: Keys that carry several values (docs/semantics.md §6); every other key is single-valued.
MULTIVALUED_KEYS = frozenset(
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

#: Keys whose absence must never let a request through (docs/semantics.md §7.7, §7.13).
SECURITY_KEYS = frozenset(
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
SECURITY_CLAIMS = ("sub", "aud", "amr", "oaud")

#: Keys AWS derives from an AWS principal (user, role session); absent for federated and
#: service callers (docs/semantics.md §6.1, §6.6, reading 10).
PRINCIPAL_KEYS = frozenset(
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
PRINCIPAL_KEY_PREFIXES = ("aws:principaltag/",)

#: What an outsider using its own IAM user chooses freely: the call's parameters, its own
#: user's name, tags and MFA, and when it calls (docs/semantics.md §6.1-§6.3).
AWS_CONTROLLED = frozenset(
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
AWS_CONTROLLED_PREFIXES = ("aws:requesttag/", "aws:principaltag/")
#: What a web-identity caller chooses besides its token's claims: the call's parameters
#: and when it calls. It has no IAM principal (no user name, tags or MFA: docs/semantics.md §6.1,
#: §6.6), and only AssumeRole takes an ExternalId (docs/semantics.md §6.3).
WEB_IDENTITY_CONTROLLED = AWS_CONTROLLED - PRINCIPAL_KEYS - {"sts:externalid"}

#: Claims a GitHub Actions workflow of another owner cannot choose: they name the owner,
#: repository, enterprise and people (the sub is set by the finding itself).
GITHUB_OWNER_BOUND = frozenset(
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
#: execution role, so the check would only break them (docs/semantics.md §7.10).
SERVICES_WITHOUT_SOURCE_KEYS = frozenset(
    {
        "ec2.amazonaws.com",
        "ecs-tasks.amazonaws.com",
        "eks.amazonaws.com",
        "pods.eks.amazonaws.com",
        "edgelambda.amazonaws.com",
    }
)


@attrs.frozen
class SubjectFormat:
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
    #: What one wildcard of a too-wide pattern spans, for messages.
    scope: str = "project and branch"
    #: A pinned subject, for fixes.
    pinned: str = "the exact subject"
    #: Who owns a subject, for messages.
    owner_word: str = "owner"


def _outsiders(owner_prefix: str, rest: str) -> tuple[str, ...]:
    """Fillers for a shared issuer's first wildcard that make another owner's subject.

    ``evil`` plus the rest of an example subject, tried where the wildcard stands: glued to
    a name (``acme-evil``), as the whole owner, after the issuer's own prefix, or alone.
    """
    return (f"-evil{rest}", f"evil{rest}", f"{owner_prefix}evil{rest}", "evil")


GITHUB_FORMAT = SubjectFormat(
    "GitHub Actions",
    re.compile(r"repo:([^/:]+)/"),
    _outsiders("repo:", "/app:ref:refs/heads/main"),
    ("sandbox:pull_request", "pull_request", "x"),
    re.compile(r"repo:[^/:*?]+/[^:*?]+:(ref:refs/(heads|tags)/.|environment:)"),
    shared=True,
    well_formed=re.compile(r"repo:[^/:]+/[^/:]+:(ref:refs/.+|environment:.+|pull_request)"),
    scope="repository, branch, pull request and environment",
    pinned="repo:OWNER/REPO:ref:refs/heads/main, or repo:OWNER/REPO:environment:prod for a "
    "deploy role",
)
GITLAB_FORMAT = SubjectFormat(
    "GitLab CI",
    re.compile(r"project_path:([^/:]+)/"),
    _outsiders("project_path:", "/app:ref_type:branch:ref:main"),
    ("sandbox:ref_type:branch:ref:main", "x"),
    re.compile(r"project_path:[^/:*?]+/[^:*?]+:ref_type:(branch|tag):ref:."),
    shared=True,
    well_formed=re.compile(r"project_path:[^/:]+/[^:]+:ref_type:(branch|tag):ref:.+"),
    pinned="project_path:GROUP/PROJECT:ref_type:branch:ref:main",
    owner_word="group",
)
TERRAFORM_FORMAT = SubjectFormat(
    "HCP Terraform",
    re.compile(r"organization:([^:]+):"),
    _outsiders("organization:", ":project:p:workspace:w:run_phase:apply"),
    ("sandbox:workspace:w:run_phase:apply", "x"),
    re.compile(r"organization:[^:*?]+:project:[^:*?]+:workspace:[^:*?]+:run_phase:"),
    shared=True,
    well_formed=re.compile(r"organization:[^:]+:project:[^:]+:workspace:[^:]+:run_phase:.+"),
    scope="project, workspace and run phase",
    pinned="organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:apply",
    owner_word="organization",
)
EKS_FORMAT = SubjectFormat(
    "EKS service account",
    re.compile(r"system:serviceaccount:([^:]+):"),
    ("evil:sa", "system:serviceaccount:evil:sa", "evil"),
    ("default", "x"),
    None,
    shared=False,
    well_formed=re.compile(r"system:serviceaccount:[^:]+:[^:]+"),
    scope="service account",
    pinned="system:serviceaccount:NAMESPACE:NAME",
    owner_word="namespace",
)
#: Buildkite's shared issuer; its sub names organization, pipeline, ref, commit and step
#: (docs/semantics.md §7.6, which marks the exact grammar unverified; Buildkite's AWS guide).
BUILDKITE_FORMAT = SubjectFormat(
    "Buildkite",
    re.compile(r"organization:([^:]+):"),
    _outsiders("organization:", ":pipeline:app:ref:refs/heads/main:commit:0:step:deploy"),
    ("sandbox:ref:refs/heads/main:commit:0:step:deploy", "x"),
    re.compile(r"organization:[^:*?]+:pipeline:[^:*?]+:ref:refs/(heads|tags)/."),
    shared=True,
    well_formed=re.compile(r"organization:[^:]+:pipeline:[^:]+:ref:.+"),
    scope="pipeline, branch and step",
    pinned="organization:ORG:pipeline:PIPELINE:ref:refs/heads/main:*",
    owner_word="organization",
)
#: Per-tenant issuers name the tenant in the issuer URL, so every token they sign belongs
#: to that tenant: no outsider's subject exists (the owner pattern never matches).
_NOBODY = re.compile(r"(?!)")
#: CircleCI: issuer oidc.circleci.com/org/<org-id>, sub org/<org>/project/<project>/user/<user>.
CIRCLECI_FORMAT = SubjectFormat(
    "CircleCI",
    _NOBODY,
    ("evil",),
    ("other-project/user/someone", "x"),
    re.compile(r"org/[^/*?]+/project/[^/*?]+/"),
    shared=False,
    well_formed=re.compile(r"org/[^/]+/project/[^/]+/user/[^/]+.*"),
    scope="project and user of the organization",
    pinned="org/ORG_ID/project/PROJECT_ID/user/*",
)
#: Bitbucket Pipelines: issuer api.bitbucket.org/2.0/workspaces/<ws>/pipelines-config/
#: identity/oidc, sub {<repository uuid>}:{<step uuid>} (environment-scoped steps add more).
BITBUCKET_FORMAT = SubjectFormat(
    "Bitbucket Pipelines",
    _NOBODY,
    ("evil",),
    ("{other-repository}:{step}", "x"),
    re.compile(r"\{[^}*?]+\}:"),
    shared=False,
    well_formed=re.compile(r"\{[^}]+\}:\{[^}]+\}.*"),
    scope="repository and step of the workspace",
    pinned="{REPOSITORY_UUID}:*",
)
GENERIC_FORMAT = SubjectFormat(
    "OIDC", re.compile(r"(evil.*)"), ("evil",), ("x",), None, shared=False
)


def subject_format(issuer: str) -> SubjectFormat:
    if issuer == GITHUB or issuer.startswith(GITHUB + "/"):
        return GITHUB_FORMAT
    if issuer == "gitlab.com" or issuer.startswith("gitlab."):
        return GITLAB_FORMAT
    if issuer == "app.terraform.io":
        return TERRAFORM_FORMAT
    if issuer.startswith("oidc.eks."):
        return EKS_FORMAT
    if issuer == "agent.buildkite.com":
        return BUILDKITE_FORMAT
    if issuer.startswith("oidc.circleci.com/org/"):
        return CIRCLECI_FORMAT
    if issuer.startswith("api.bitbucket.org/2.0/workspaces/") and issuer.endswith(
        "/pipelines-config/identity/oidc"
    ):
        return BITBUCKET_FORMAT
    return GENERIC_FORMAT


# --- the checks ----------------------------------------------------------------------------


def instance(pattern: str) -> str:
    """A value ``pattern`` matches under StringLike (each wildcard as ``x``)."""
    return pattern.replace("*", "x").replace("?", "x")


def is_positive(clause: ConditionClause) -> bool:
    base = clause.operator.base
    return base != "Null" and "Not" not in base


def holds_without_key(clause: ConditionClause) -> bool:
    """Whether a non-``Null`` clause is true for a request that lacks its key.

    ``…IfExists`` and ``ForAllValues:`` hold (vacuously); ``ForAnyValue:`` does not, negated or
    not; a plain positive operator does not and a plain negated one does (docs/semantics.md §5.3,
    §5.12, reading 2).
    """
    operator = clause.operator
    if operator.if_exists or operator.qualifier is SetQualifier.FOR_ALL_VALUES:
        return True
    if operator.qualifier is SetQualifier.FOR_ANY_VALUE:
        return False
    return not is_positive(clause)


def has_wildcard(value: str) -> bool:
    # ${*} and ${?} are the escapes for literal wildcards in policy variables.
    text = value.replace("${*}", "").replace("${?}", "")
    return "*" in text or "?" in text


OIDC_CLAIM_KEY = re.compile(r"(.+):([a-z_]+)\Z")
