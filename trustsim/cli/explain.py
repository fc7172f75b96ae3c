"""``trustsim explain POLICY --caller SPEC …``: one caller against one trust policy, and why.

Exit status: 0 allowed, 1 denied, 2 usage error or unreadable or invalid policy (docs/cli.md).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from trustsim.caller_specs import caller_from_spec, claims_from_pairs
from trustsim.callers import Caller, IamUser, InvalidCaller, Role, RoleSession
from trustsim.cli import roles
from trustsim.cli.options import Command, repeated
from trustsim.cli.output import EXIT_INVALID, EXIT_OK, EXIT_USAGE, label, reason, report
from trustsim.decision import Outcome
from trustsim.errors import InvalidContext, InvalidPolicy, InvalidRequest
from trustsim.evaluation import assume_role, check_action
from trustsim.model import Policy, PolicyKind
from trustsim.requests import ASSUME_ACTIONS

__all__ = ["COMMANDS", "decide", "run"]


def _arguments(explain: argparse.ArgumentParser) -> None:
    explain.add_argument("policy", metavar="POLICY", help="the trust policy file ('-' for stdin)")
    explain.add_argument("--caller", required=True, metavar="SPEC", help="who calls (see below)")
    roles.role_arn_option(explain)
    explain.add_argument(
        "--action", metavar="ACTION", help="the action (default: the caller's assume API)"
    )
    explain.add_argument("--external-id", metavar="ID", help="ExternalId (sts:ExternalId)")
    explain.add_argument("--session-name", metavar="NAME", help="RoleSessionName")
    explain.add_argument("--source-identity", metavar="ID", help="SourceIdentity")
    explain.add_argument("--source-ip", metavar="IP", help="aws:SourceIp")
    explain.add_argument(
        "--region", metavar="REGION", help="the STS endpoint's Region: aws:RequestedRegion"
    )
    repeated(explain, "--tag", "KEY=VALUE", "a session tag")
    repeated(explain, "--transitive-tag-key", "KEY", "a session tag key to make transitive")
    repeated(
        explain,
        "--context",
        "KEY=VALUE",
        "a request context entry (repeat a key for a multi-valued key)",
    )
    repeated(
        explain, "--claim", "NAME=VALUE", "a token claim (oidc:, github:) or SAML attribute (saml:)"
    )
    repeated(
        explain,
        "--identity-policy",
        "FILE",
        "an identity policy of the caller (IAM users and role sessions)",
    )
    explain.add_argument(
        "--caller-allowed",
        action="store_true",
        help="give an IAM user or role session an identity policy allowing sts:* on the role, "
        "so that the trust policy alone decides (a cross-account caller needs its own allow)",
    )
    explain.add_argument(
        "--org-id", metavar="ID", help="the caller's organization (aws:PrincipalOrgID)"
    )
    roles.rcp_options(explain)
    explain.add_argument(
        "--view",
        choices=["summary", "determining", "failures", "all"],
        default="summary",
        help="how much of the explanation to print (default: summary)",
    )


def run(arguments: argparse.Namespace, out: TextIO) -> int:
    """``trustsim explain``: print the explanation; 0 allowed, 1 denied, 2 unusable input."""
    try:
        policy = roles.read_policy(arguments.policy, PolicyKind.TRUST)
    except InvalidPolicy as error:
        print(str(error), file=out)
        return EXIT_USAGE
    except OSError as error:
        print(f"{label(arguments.policy)}: cannot read the file: {reason(error)}", file=out)
        return EXIT_USAGE
    try:
        outcome = decide(arguments, policy)
    except (
        roles.UsageError,
        InvalidCaller,
        InvalidRequest,
        InvalidContext,
        InvalidPolicy,
    ) as error:
        print(f"trustsim explain: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    explanation = outcome.explain()
    renderers = {"text": lambda: explanation.to_text(arguments.view), "json": explanation.to_dict}
    report(out, arguments.format, renderers)
    return EXIT_OK if outcome.allowed else EXIT_INVALID


COMMANDS: tuple[Command, ...] = (
    Command(
        "explain",
        "decide one caller against one role's trust policy, and say why",
        "Decide one caller against one trust policy and print the explanation. "
        "Exit status: 0 allowed, 1 denied, 2 usage error, unreadable or invalid policy.",
        _arguments,
        caller_specs=True,
    ),
)


def _with_caller_policies(caller: Caller, arguments: argparse.Namespace, role_arn: str) -> Caller:
    files: list[str] = arguments.identity_policy
    if not files and arguments.org_id is None and not arguments.caller_allowed:
        return caller
    if not isinstance(caller, (IamUser, RoleSession)):
        raise roles.UsageError(
            "--identity-policy, --caller-allowed and --org-id are for IAM users and role sessions"
        )
    policies = tuple(roles.read_policy(name, PolicyKind.IDENTITY) for name in files)
    return roles.iam_caller(caller, arguments, role_arn, policies)


def decide(arguments: argparse.Namespace, policy: Policy) -> Outcome:
    """The outcome of ``--caller`` asking the role of ``policy`` with the other options."""
    claims = claims_from_pairs(arguments.claim)
    role = roles.role_org(
        Role(arguments.role_arn or roles.default_role_arn(policy), policy), arguments
    )
    caller = _with_caller_policies(caller_from_spec(arguments.caller, claims), arguments, role.arn)
    options: dict[str, Any] = {
        "external_id": arguments.external_id,
        "session_name": arguments.session_name,
        "source_identity": arguments.source_identity,
        "source_ip": arguments.source_ip,
        "region": arguments.region,
        "tags": dict(roles.pairs("--tag", arguments.tag)) or None,
        "transitive_tag_keys": arguments.transitive_tag_key or None,
        "context": roles.context(arguments.context) or None,
    }
    action = arguments.action
    if action is None or action.lower() in _ASSUME_ACTIONS_FOLDED:
        return assume_role(caller, role, action=action, **options)
    return check_action(caller, role, action, **options)


_ASSUME_ACTIONS_FOLDED = frozenset(action.lower() for action in ASSUME_ACTIONS)
