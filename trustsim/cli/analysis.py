"""``trustsim grants`` and ``trustsim diff``: what a trust policy allows, proven (docs/analysis.md).

* ``trustsim grants POLICY [--role-arn ARN] [--format text|json]``: every request the trust
  policy allows, as Grants. Exit 0 complete, 1 incomplete (some part undecided), 2 unusable
  input.
* ``trustsim diff OLD NEW [--role-arn ARN] [--format text|json|sarif]``: whether NEW grants
  access OLD did not. Exit 0 no new access (proven), 1 new access (with counterexamples),
  2 undetermined or unusable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from trustsim.analysis.compare import Comparison, compare
from trustsim.analysis.grants import Grants, grants
from trustsim.cli.options import TEXT_OR_JSON, Command, role_arn_option
from trustsim.cli.output import report, sarif_log, sarif_uri
from trustsim.cli.roles import read_policy
from trustsim.errors import InvalidPolicy
from trustsim.model import Policy, PolicyKind
from trustsim.requests import AssumeRoleRequest
from trustsim.testing import describe_caller

__all__ = ["COMMANDS", "comparison_dict", "comparison_text", "grants_text", "run"]


def _grants_arguments(listing: argparse.ArgumentParser) -> None:
    listing.add_argument("policy", metavar="POLICY", help="a trust policy file ('-' for stdin)")
    role_arn_option(listing, "the role the policy belongs to")


def _diff_arguments(diff: argparse.ArgumentParser) -> None:
    diff.add_argument("old", metavar="OLD", help="the reference trust policy")
    diff.add_argument("new", metavar="NEW", help="the changed trust policy")
    role_arn_option(diff, "the role both policies belong to")


def run(arguments: argparse.Namespace, out: TextIO) -> int:
    """``trustsim grants`` or ``trustsim diff``, as ``arguments.command`` says."""
    if arguments.command == "grants":
        return _run_grants(arguments, out)
    return _run_diff(arguments, out)


def _read(name: str) -> Policy:
    return read_policy(name, PolicyKind.TRUST)


def _run_grants(arguments: argparse.Namespace, out: TextIO) -> int:
    try:
        found = grants(_read(arguments.policy), role_arn=arguments.role_arn)
    except (InvalidPolicy, OSError, ValueError) as error:
        print(f"trustsim grants: {arguments.policy}: {error}", file=sys.stderr)
        return 2
    report(out, arguments.format, {"text": lambda: grants_text(found), "json": found.to_dict})
    return 0 if found.complete else 1


def grants_text(found: Grants) -> str:
    """Grants as lines of text."""
    lines = [f"{len(found)} grant(s) for {found.role.arn}:"]
    lines += [f"  {grant}" for grant in found]
    if found.complete:
        lines.append("complete: every allowed request is in a grant above")
    else:
        lines.append(
            "INCOMPLETE: requests outside the grants above may be allowed too, because of:"
        )
        lines += [f"  {gap}" for gap in found.gaps]
    return "\n".join(lines)


def _run_diff(arguments: argparse.Namespace, out: TextIO) -> int:
    try:
        old, new = _read(arguments.old), _read(arguments.new)
        result = compare(new, old, role_arn=arguments.role_arn)
    except (InvalidPolicy, OSError, ValueError) as error:
        print(f"trustsim diff: {error}", file=sys.stderr)
        return 2
    renderers: dict[str, Callable[[], object]] = {
        "text": lambda: comparison_text(result),
        "json": lambda: comparison_dict(result),
        "sarif": lambda: _sarif(result, arguments.new),
    }
    report(out, arguments.format, renderers)
    if result.no_new_access is True:
        return 0
    return 1 if result.no_new_access is False else 2


COMMANDS: tuple[Command, ...] = (
    Command(
        "grants",
        "every request a trust policy allows, proven (no sampling)",
        "List every request a trust policy allows, as Grants with a witness each.",
        _grants_arguments,
    ),
    Command(
        "diff",
        "does NEW grant access OLD did not? (exit 1 when it does)",
        "Compare two trust policies: every request NEW allows that OLD denies.",
        _diff_arguments,
        formats=(*TEXT_OR_JSON, "sarif"),
    ),
)


def _request_dict(request: AssumeRoleRequest) -> dict[str, Any]:
    return {
        "caller": repr(request.caller),
        "action": request.action,
        "companion_actions": list(request.companion_actions),
        "context": request.context.to_dict(),
    }


#: Keys every request of a class carries alike: left out of the one-line form of a request.
_SAME_FOR_ALL = frozenset(
    {
        "aws:currenttime",
        "aws:epochtime",
        "aws:securetransport",
        "aws:viaawsservice",
        "aws:resourceaccount",
        "aws:principalisawsservice",
        "aws:principaltype",
        "aws:federatedprovider",
    }
)


def _request_text(request: AssumeRoleRequest) -> str:
    keys = "; ".join(
        f"{key} = {', '.join(json.dumps(value) for value in request.context[key])}"
        for key in sorted(request.context, key=str.lower)
        if key.lower() not in _SAME_FOR_ALL
    )
    extra = f" with {', '.join(request.companion_actions)}" if request.companion_actions else ""
    return f"{request.action}{extra} by {describe_caller(request.caller)}: {keys}"


def comparison_dict(result: Comparison) -> dict[str, Any]:
    """A JSON-ready comparison."""
    return {
        "no_new_access": result.no_new_access,
        "reason": result.reason,
        "counterexamples": [_request_dict(r) for r in result.counterexamples],
        "new_grants": [g.to_dict() for g in result.new],
        "gaps": [{"where": g.where, "reason": g.reason} for g in result.gaps],
    }


def comparison_text(result: Comparison) -> str:
    """A comparison as lines of text."""
    if result.no_new_access is True:
        return "no new access: every request NEW allows, OLD allows too (proven)"
    if result.no_new_access is None:
        return "undetermined:\n" + "\n".join(f"  {gap}" for gap in result.gaps)
    lines = [f"NEW grants access OLD did not ({len(result.counterexamples)} counterexample(s)):"]
    lines += [f"  {_request_text(request)}" for request in result.counterexamples]
    return "\n".join(lines)


def _sarif(result: Comparison, uri: str) -> dict[str, Any]:
    results = [
        {
            "ruleId": "NEW_ACCESS",
            "level": "error",
            "message": {
                "text": "the new trust policy allows a request the old one denies: "
                + _request_text(request)
            },
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": sarif_uri(uri)}}}],
            "properties": {"counterexample": _request_dict(request)},
        }
        for request in result.counterexamples
    ]
    notes = [{"level": "warning", "message": {"text": f"undecided: {gap}"}} for gap in result.gaps]
    rule = {
        "id": "NEW_ACCESS",
        "shortDescription": {"text": "The trust policy grants access the old one did not"},
    }
    return sarif_log([rule], results, notes, successful=True)
