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

Names load on first use (``import trustsim`` itself imports nothing heavy), so the pytest plugin
and the Hypothesis entry point cost almost nothing in test runs that do not use them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustsim.analysis.testing import (
        assert_grants,
        assert_no_access_beyond,
    )
    from trustsim.arn import (
        Arn,
    )
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
    from trustsim.conditions import (
        ClauseResult,
        ConditionResult,
        check_condition,
    )
    from trustsim.context import (
        RequestContext,
    )
    from trustsim.decision import (
        Decision,
        Outcome,
        StatementRef,
    )
    from trustsim.errors import (
        Diagnostic,
        InvalidContext,
        InvalidPolicy,
        InvalidRequest,
        Position,
        Problem,
        TrustsimError,
    )
    from trustsim.evaluation import (
        assume_role,
        check_action,
        decide,
        evaluate,
        evaluate_action,
    )
    from trustsim.explain import (
        Explanation,
    )
    from trustsim.identities import (
        CognitoIdentity,
        EksServiceAccount,
        GitHubActions,
        GoogleIdentity,
        OidcIdentity,
    )
    from trustsim.inventory import (
        FULL_AWS_ACCESS,
        RCP_FULL_AWS_ACCESS,
        Inventory,
        InventoryError,
        Organization,
        OrgUnit,
        load_inventory,
    )
    from trustsim.lint import (
        Finding,
        Severity,
        Witness,
    )
    from trustsim.loaders import (
        load_policy,
    )
    from trustsim.loaders.aws import (
        load_authorization_details,
        load_role,
        load_roles,
    )
    from trustsim.loaders.iac import (
        load_cdk_out,
        load_cloudformation,
        load_terraform,
    )
    from trustsim.model import (
        ConditionClause,
        Effect,
        Policy,
        PolicyKind,
        Principal,
        Statement,
    )
    from trustsim.parsing import (
        parse_policy,
    )
    from trustsim.requests import (
        AssumeRoleRequest,
        ProvidedContext,
        build_request,
    )
    from trustsim.scenarios import (
        MalformedScenario,
        Scenario,
        ScenarioResult,
        caller_from_spec,
        load_scenarios,
    )
    from trustsim.sts import request_from_sts
    from trustsim.testing import (
        assert_allowed,
        assert_denied,
        assert_only,
    )
    from trustsim.whocan import (
        ReachResult,
        WhoCanResult,
        reachable_from,
        who_can_assume,
    )

__version__ = "0.1.0"

#: Public name → the module that defines it; imported on first access (PEP 562).
_LAZY: dict[str, str] = {
    "AccountRoot": "trustsim.callers",
    "Anonymous": "trustsim.callers",
    "Arn": "trustsim.arn",
    "assert_allowed": "trustsim.testing",
    "assert_denied": "trustsim.testing",
    "assert_grants": "trustsim.analysis.testing",
    "assert_no_access_beyond": "trustsim.analysis.testing",
    "assert_only": "trustsim.testing",
    "assume_role": "trustsim.evaluation",
    "AssumeRoleRequest": "trustsim.requests",
    "build_request": "trustsim.requests",
    "caller_from_spec": "trustsim.scenarios",
    "check_action": "trustsim.evaluation",
    "check_condition": "trustsim.conditions",
    "ClauseResult": "trustsim.conditions",
    "CognitoIdentity": "trustsim.identities",
    "ConditionClause": "trustsim.model",
    "ConditionResult": "trustsim.conditions",
    "decide": "trustsim.evaluation",
    "Decision": "trustsim.decision",
    "Diagnostic": "trustsim.errors",
    "Effect": "trustsim.model",
    "EksServiceAccount": "trustsim.identities",
    "evaluate": "trustsim.evaluation",
    "evaluate_action": "trustsim.evaluation",
    "Explanation": "trustsim.explain",
    "Finding": "trustsim.lint",
    "GitHubActions": "trustsim.identities",
    "GoogleIdentity": "trustsim.identities",
    "IamUser": "trustsim.callers",
    "InvalidCaller": "trustsim.callers",
    "InvalidContext": "trustsim.errors",
    "InvalidPolicy": "trustsim.errors",
    "InvalidRequest": "trustsim.errors",
    "Inventory": "trustsim.inventory",
    "InventoryError": "trustsim.inventory",
    "FULL_AWS_ACCESS": "trustsim.inventory",
    "RCP_FULL_AWS_ACCESS": "trustsim.inventory",
    "Organization": "trustsim.inventory",
    "OrgUnit": "trustsim.inventory",
    "load_authorization_details": "trustsim.loaders.aws",
    "load_cdk_out": "trustsim.loaders.iac",
    "load_cloudformation": "trustsim.loaders.iac",
    "load_inventory": "trustsim.inventory",
    "load_policy": "trustsim.loaders",
    "load_role": "trustsim.loaders.aws",
    "load_roles": "trustsim.loaders.aws",
    "load_scenarios": "trustsim.scenarios",
    "load_terraform": "trustsim.loaders.iac",
    "MalformedScenario": "trustsim.scenarios",
    "OidcIdentity": "trustsim.identities",
    "OrgMembership": "trustsim.callers",
    "Outcome": "trustsim.decision",
    "parse_policy": "trustsim.parsing",
    "Policy": "trustsim.model",
    "PolicyKind": "trustsim.model",
    "Position": "trustsim.errors",
    "Principal": "trustsim.model",
    "Problem": "trustsim.errors",
    "ProvidedContext": "trustsim.requests",
    "request_from_sts": "trustsim.sts",
    "reachable_from": "trustsim.whocan",
    "ReachResult": "trustsim.whocan",
    "RequestContext": "trustsim.context",
    "Role": "trustsim.callers",
    "RoleSession": "trustsim.callers",
    "SamlIdentity": "trustsim.callers",
    "Scenario": "trustsim.scenarios",
    "ScenarioResult": "trustsim.scenarios",
    "ServicePrincipal": "trustsim.callers",
    "Severity": "trustsim.lint",
    "Statement": "trustsim.model",
    "StatementRef": "trustsim.decision",
    "TrustsimError": "trustsim.errors",
    "WebIdentity": "trustsim.callers",
    "who_can_assume": "trustsim.whocan",
    "WhoCanResult": "trustsim.whocan",
    "Witness": "trustsim.lint",
}

__all__ = [
    "FULL_AWS_ACCESS",
    "RCP_FULL_AWS_ACCESS",
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
    "Finding",
    "GitHubActions",
    "GoogleIdentity",
    "IamUser",
    "InvalidCaller",
    "InvalidContext",
    "InvalidPolicy",
    "InvalidRequest",
    "Inventory",
    "InventoryError",
    "MalformedScenario",
    "OidcIdentity",
    "OrgMembership",
    "OrgUnit",
    "Organization",
    "Outcome",
    "Policy",
    "PolicyKind",
    "Position",
    "Principal",
    "Problem",
    "ProvidedContext",
    "ReachResult",
    "RequestContext",
    "Role",
    "RoleSession",
    "SamlIdentity",
    "Scenario",
    "ScenarioResult",
    "ServicePrincipal",
    "Severity",
    "Statement",
    "StatementRef",
    "TrustsimError",
    "WebIdentity",
    "WhoCanResult",
    "Witness",
    "__version__",
    "assert_allowed",
    "assert_denied",
    "assert_grants",
    "assert_no_access_beyond",
    "assert_only",
    "assume_role",
    "build_request",
    "caller_from_spec",
    "check_action",
    "check_condition",
    "decide",
    "evaluate",
    "evaluate_action",
    "load_authorization_details",
    "load_cdk_out",
    "load_cloudformation",
    "load_inventory",
    "load_policy",
    "load_role",
    "load_roles",
    "load_scenarios",
    "load_terraform",
    "parse_policy",
    "reachable_from",
    "request_from_sts",
    "who_can_assume",
]


#: Modules a user reaches through the package (``ts.lint.lint``), imported on first use.
_MODULES = frozenset({"lint"})


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"trustsim.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trustsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
