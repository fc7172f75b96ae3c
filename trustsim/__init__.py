"""trustsim: decide locally, the way AWS IAM would, whether a caller may assume an IAM role.

One import reaches everything a test needs:

>>> import trustsim as ts
>>> role = ts.Role(
...     "arn:aws:iam::111122223333:role/ci/deploy",
...     trust_policy=ts.load_policy("examples/github-deploy-trust.json"),
... )
>>> ts.assume_role(ts.GitHubActions("acme/app", branch="main"), role).decision
<Decision.ALLOW: 'Allow'>
>>> ts.assume_role(ts.GitHubActions("acme/app", pull_request=True), role).allowed
False
"""

from __future__ import annotations

from trustsim.arn import Arn
from trustsim.callers import (
    AccountRoot,
    Anonymous,
    IamUser,
    InvalidCaller,
    OrgMembership,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.conditions import ClauseResult, ConditionResult, check_condition
from trustsim.context import RequestContext
from trustsim.decision import Decision, Outcome, StatementRef
from trustsim.errors import (
    Diagnostic,
    InvalidContext,
    InvalidPolicy,
    InvalidRequest,
    Position,
    Problem,
    TrustsimError,
)
from trustsim.evaluation import evaluate, evaluate_action
from trustsim.explain import Explanation
from trustsim.identities import (
    CognitoIdentity,
    EksServiceAccount,
    GitHubActions,
    GoogleIdentity,
    OidcIdentity,
)
from trustsim.loaders import load_policy
from trustsim.model import ConditionClause, Effect, Policy, PolicyKind, Principal, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import (
    AssumeRoleRequest,
    ProvidedContext,
    assume_role,
    build_request,
    check_action,
)

__version__ = "0.1.0"

__all__ = [
    "AccountRoot",
    "Anonymous",
    "Arn",
    "AssumeRoleRequest",
    "ClauseResult",
    "CognitoIdentity",
    "ConditionClause",
    "ConditionResult",
    "Decision",
    "Diagnostic",
    "Effect",
    "EksServiceAccount",
    "Explanation",
    "GitHubActions",
    "GoogleIdentity",
    "IamUser",
    "InvalidCaller",
    "InvalidContext",
    "InvalidPolicy",
    "InvalidRequest",
    "OidcIdentity",
    "OrgMembership",
    "Outcome",
    "Policy",
    "PolicyKind",
    "Position",
    "Principal",
    "Problem",
    "ProvidedContext",
    "RequestContext",
    "Role",
    "RoleSession",
    "SamlIdentity",
    "ServicePrincipal",
    "Statement",
    "StatementRef",
    "TrustsimError",
    "WebIdentity",
    "__version__",
    "assume_role",
    "build_request",
    "check_action",
    "check_condition",
    "evaluate",
    "evaluate_action",
    "load_policy",
    "parse_policy",
]


def __dir__() -> list[str]:
    return list(__all__)
