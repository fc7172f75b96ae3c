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
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustsim.analysis.testing import assert_grants, assert_no_access_beyond
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
    from trustsim.decision import Decision, Outcome
    from trustsim.errors import InvalidContext, InvalidPolicy, InvalidRequest, TrustsimError
    from trustsim.evaluation import assume_role, check_action, decide, evaluate
    from trustsim.identities import GitHubActions
    from trustsim.loaders import load_policy
    from trustsim.model import Policy
    from trustsim.parsing import parse_policy
    from trustsim.requests import build_request
    from trustsim.testing import assert_allowed, assert_denied, assert_only

__version__ = "0.1.0"

#: The module that defines each public name (names separated by spaces); a name is imported on
#: first access (PEP 562).
_LAZY_BY_MODULE: dict[str, str] = {
    "trustsim.analysis.testing": "assert_grants assert_no_access_beyond",
    "trustsim.callers": (
        "AccountRoot Anonymous IamUser InvalidCaller OrgMembership Role RoleSession SamlIdentity "
        "ServicePrincipal WebIdentity"
    ),
    "trustsim.decision": "Decision Outcome",
    "trustsim.errors": "InvalidContext InvalidPolicy InvalidRequest TrustsimError",
    "trustsim.evaluation": "assume_role check_action decide evaluate",
    "trustsim.identities": "GitHubActions",
    "trustsim.loaders": "load_policy",
    "trustsim.model": "Policy",
    "trustsim.parsing": "parse_policy",
    "trustsim.requests": "build_request",
    "trustsim.testing": "assert_allowed assert_denied assert_only",
}
_LAZY: dict[str, str] = {
    name: module for module, names in _LAZY_BY_MODULE.items() for name in names.split()
}

#: Names the front door exported in 0.1.0 and now leaves to their module: still reachable
#: here, with a DeprecationWarning naming the import to write (docs/api.md, "Moved names").
_MOVED_BY_MODULE: dict[str, str] = {
    "trustsim.arn": "Arn",
    "trustsim.conditions": "ClauseResult ConditionResult check_condition",
    "trustsim.context": "RequestContext",
    "trustsim.decision": "StatementRef",
    "trustsim.errors": "Diagnostic Position Problem",
    "trustsim.evaluation": "evaluate_action",
    "trustsim.explain": "Explanation",
    "trustsim.identities": "CognitoIdentity EksServiceAccount GoogleIdentity OidcIdentity",
    "trustsim.inventory": (
        "FULL_AWS_ACCESS RCP_FULL_AWS_ACCESS Inventory InventoryError OrgUnit Organization "
        "load_inventory"
    ),
    "trustsim.lint": "Finding Severity Witness",
    "trustsim.loaders.aws": "load_authorization_details load_role load_roles",
    "trustsim.loaders.iac": "load_cdk_out load_cloudformation load_terraform",
    "trustsim.model": "ConditionClause Effect PolicyKind Principal Statement",
    "trustsim.requests": "AssumeRoleRequest ProvidedContext",
    "trustsim.scenarios": (
        "MalformedScenario Scenario ScenarioResult caller_from_spec load_scenarios"
    ),
    "trustsim.sts": "request_from_sts",
    "trustsim.whocan": "ReachResult WhoCanResult reachable_from who_can_assume",
}
_MOVED: dict[str, str] = {
    name: module for module, names in _MOVED_BY_MODULE.items() for name in names.split()
}

#: The modules those names come from, reached through the package without importing them
#: first (``ts.inventory.Organization``).
_MODULES = frozenset(module.split(".")[1] for module in (*_LAZY_BY_MODULE, *_MOVED_BY_MODULE))

__all__ = [
    "AccountRoot",
    "Anonymous",
    "Decision",
    "GitHubActions",
    "IamUser",
    "InvalidCaller",
    "InvalidContext",
    "InvalidPolicy",
    "InvalidRequest",
    "OrgMembership",
    "Outcome",
    "Policy",
    "Role",
    "RoleSession",
    "SamlIdentity",
    "ServicePrincipal",
    "TrustsimError",
    "WebIdentity",
    "__version__",
    "assert_allowed",
    "assert_denied",
    "assert_grants",
    "assert_no_access_beyond",
    "assert_only",
    "assume_role",
    "build_request",
    "check_action",
    "decide",
    "evaluate",
    "load_policy",
    "parse_policy",
]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"trustsim.{name}")
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module 'trustsim' has no attribute {name!r}")
    # Not remembered in globals(): every use through the front door warns.
    warnings.warn(
        f"trustsim.{name} is deprecated: the front door keeps what a test needs; "
        f"import it from its module: from {module} import {name}",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return list(__all__)
