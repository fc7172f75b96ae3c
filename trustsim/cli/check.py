"""``trustsim check``: scenario files, or a table of callers against one trust policy.

* ``trustsim check SCENARIOS…``: run scenario files (:mod:`trustsim.scenarios`), one line per
  scenario, with the explanation of each failure. 0 all pass, 1 some fail, 2 unreadable.
* ``trustsim check POLICY --caller SPEC[=allow|deny] …``: one row per caller with the deciding
  statement or the failing clause. 0 every expectation holds (without one: the caller is
  allowed), 1 some does not, 2 unusable input.

>>> _expectation("github:acme/app=deny"), _expectation("oidc:x=y")
(('github:acme/app', 'deny'), ('oidc:x=y', None))
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import attrs

from trustsim import _files
from trustsim.caller_specs import caller_from_spec, claims_from_pairs
from trustsim.callers import IamUser, InvalidCaller, Role, RoleSession
from trustsim.cli import roles
from trustsim.cli.options import Command, paths_argument, repeated
from trustsim.cli.output import EXIT_INVALID, EXIT_OK, EXIT_USAGE, indent, label, plural, reason
from trustsim.decision import Outcome
from trustsim.errors import InvalidContext, InvalidPolicy, InvalidRequest, escape
from trustsim.evaluation import assume_role
from trustsim.explain import StatementRecord
from trustsim.loaders import load_policy
from trustsim.loaders.json_text import read_json
from trustsim.model import Policy, PolicyKind
from trustsim.scenarios import MalformedScenario, ScenarioResult, load_scenarios

__all__ = ["COMMANDS", "run"]


def _arguments(check: argparse.ArgumentParser) -> None:
    paths_argument(check, "FILE", "scenario files, or one trust policy with --caller")
    repeated(
        check,
        "--caller",
        "SPEC[=allow|deny]",
        "a caller to decide against the policy (repeat for a table)",
        dest="callers",
    )
    roles.role_arn_option(check)
    repeated(
        check,
        "--claim",
        "NAME=VALUE",
        "a token claim or SAML attribute, for every oidc:, github: and saml: caller",
    )
    check.add_argument(
        "--caller-allowed",
        action="store_true",
        help="give each IAM user or role session an identity policy allowing sts:* on the "
        "role, so that the trust policy alone decides",
    )
    check.add_argument(
        "--org-id",
        metavar="ID",
        help="the organization of every IAM user and role session (aws:PrincipalOrgID)",
    )
    roles.rcp_options(check)
    repeated(
        check,
        "--context",
        "KEY=VALUE",
        "a request context entry for every caller (aws:SourceAccount=… for services)",
    )


def run(arguments: argparse.Namespace, out: TextIO) -> int:
    """``trustsim check``: the table with ``--caller``, else the scenario files."""
    if arguments.callers:
        return _run_table(arguments, out)
    return _run_check(arguments.files, arguments.format, out)


COMMANDS: tuple[Command, ...] = (
    Command(
        "check",
        "run scenario files, or a table of callers against one trust policy",
        "Either run scenario files (docs/scenarios.md; a file holding a JSON "
        "array): one line per scenario, PASS or FAIL with the decision and the expected one, "
        "and for each failure the statements that decided and the closest misses. Or decide "
        "each --caller against one trust policy (a file holding a JSON object): one row per "
        "caller, with the deciding statement, or the clause that failed. A caller spec may "
        "end with =allow or =deny, the expected decision (default: allow). Exit status: "
        "0 all pass, 1 some fail, 2 usage error, unreadable or malformed file.",
        _arguments,
        caller_specs=True,
    ),
)


# --- check: scenario files ---------------------------------------------------------------


def _run_check(files: Sequence[str], output: str, out: TextIO) -> int:
    status = EXIT_OK
    rows: list[_ScenarioRow] = []
    unreadable: list[dict[str, str]] = []
    for name in files:
        try:
            if name == "-":
                data: Any = read_json(_files.read_stdin() or b"null").value  # depth-bounded
                if isinstance(data, dict):
                    raise _PolicyNotScenarios
                if isinstance(data, str):  # a JSON string is not a file name to open
                    raise ValueError("standard input holds a JSON string, not scenarios")
                scenarios = load_scenarios(data, origin="<stdin>")
            else:
                if _holds_an_object(name):
                    raise _PolicyNotScenarios
                scenarios = load_scenarios(name)
        except (OSError, MalformedScenario, ValueError, _PolicyNotScenarios) as error:
            why = reason(error)
            unreadable.append({"file": name, "error": why})
            if output == "text":
                print(f"{label(name)}: cannot run the scenarios: {why}", file=out)
            status = EXIT_USAGE
            continue
        for scenario in scenarios:
            row = _ScenarioRow(name, scenario.run())
            rows.append(row)
            if not row.passed:
                status = max(status, EXIT_INVALID)
            if output == "text":
                print(row.line(), file=out)
                if not row.passed:
                    print(indent(row.failure_detail(), "    "), file=out)
    failed = sum(not row.passed for row in rows)
    if output == "json":
        report = {
            "scenarios": [row.to_dict() for row in rows],
            "unreadable": unreadable,
            "passed": len(rows) - failed,
            "failed": failed,
        }
        print(json.dumps(report, indent=2), file=out)
    else:
        count = len(rows)
        print(
            f"{plural(count, 'scenario')}: {count - failed} passed, {failed} failed",
            file=out,
        )
    return status


class _PolicyNotScenarios(Exception):
    """``check`` got a policy (a JSON object) but no ``--caller``."""

    def __str__(self) -> str:
        return "this is a policy (a JSON object), not scenarios: name the callers with --caller"


def _holds_an_object(name: str) -> bool:
    """Whether the file's JSON text starts an object (a policy) rather than an array."""
    data, _ = _files.read_named(name)
    return data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


@attrs.frozen
class _ScenarioRow:
    """One scenario of a file and its result: a line, why it failed, a JSON record."""

    file: str  # as named on the command line
    result: ScenarioResult

    @property
    def passed(self) -> bool:
        return self.result.passed

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        result = self.result
        return (
            f"{verdict} {label(self.file)}::{escape(result.scenario.name)}: {result.decision} "
            f"(expected {result.expected})"
        )

    def failure_detail(self) -> str:
        """The determining statements and the closest misses, or the error."""
        if self.result.outcome is None:
            error = self.result.error
            return str(error) if error is not None else "no decision"
        explanation = self.result.outcome.explain()
        lines = explanation.to_text("determining").splitlines()
        misses = ["closest Allow statements:"] if explanation.failures else []
        for statement in explanation.failures:
            misses += ["  " + escape(line) for line in statement.lines(only_failures=True)]
        at = lines.index("diagnostics:") if "diagnostics:" in lines else len(lines)
        return "\n".join([*lines[:at], *misses, *lines[at:]])

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        return {
            "file": result.scenario.origin,
            "name": result.scenario.name,
            "expected": result.expected,
            "decision": result.decision,
            "passed": result.passed,
            "explanation": None if result.outcome is None else result.outcome.explain().to_dict(),
            "error": None if result.error is None else str(result.error),
        }


# --- check: a table of callers against one role --------------------------------------------

_EXPECTATIONS = {"allow": True, "deny": False}


@attrs.frozen
class _Row:
    """One caller of the table: its spec, what was expected, and the outcome."""

    spec: str
    expected: str | None
    outcome: Outcome
    caller_allowed: bool = True

    @property
    def passed(self) -> bool:
        return self.outcome.allowed is _EXPECTATIONS[self.expected or "allow"]

    def why(self) -> str:
        """The deciding statement, or for an implicit deny the nearest miss and its failure."""
        explanation = self.outcome.explain()
        if explanation.determining:
            return str(explanation.determining[0].ref)
        if explanation.failures:
            nearest = explanation.failures[0]
            return f"closest: {nearest.ref}: ✗ {_first_failure(nearest)}" + self.hint()
        return explanation.reason + self.hint()

    def hint(self) -> str:
        """For a deny on the caller's side: --caller-allowed, and how the ExternalId clause fared."""
        explanation = self.outcome.explain()
        if self.outcome.allowed or explanation.side != "identity":
            return ""
        parts = (
            []
            if self.caller_allowed
            else [
                "the caller's own account must allow the call too: --caller-allowed gives it an "
                "identity policy allowing sts:*, so that the trust policy alone decides"
            ]
        )
        for record in explanation.actions:
            for statement in record.statements():
                for clause in statement.clauses if statement.side == "trust" else ():
                    if clause.key.lower() == "sts:externalid":
                        verdict = "matched" if clause.matched else "did not match"
                        parts.append(f"{statement.ref}: the sts:ExternalId clause {verdict}")
        return "".join(f" (hint: {part})" for part in dict.fromkeys(parts))

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        expected = f" (expected {self.expected})" if self.expected else ""
        return escape(f"{verdict} {self.spec}: {self.outcome.decision}{expected} — {self.why()}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "caller": self.spec,
            "expected": self.expected,
            "decision": str(self.outcome.decision),
            "allowed": self.outcome.allowed,
            "passed": self.passed,
            "why": self.why(),
            "explanation": self.outcome.explain().to_dict(),
        }


def _first_failure(statement: StatementRecord) -> str:
    """What kept a statement from applying: its principal, its action, or a clause."""
    if not statement.principal_matched:
        return f"principal: {statement.principal_detail}"
    if not statement.action_matched:
        return f"action: {statement.actions}"
    failing = statement.failing_clauses
    return failing[0].describe() if failing else "does not apply"


def _expectation(text: str) -> tuple[str, str | None]:
    """``SPEC=allow`` → (SPEC, "allow"); a spec without a known suffix is left whole."""
    spec, equals, wanted = text.rpartition("=")
    if equals and spec and wanted.lower() in _EXPECTATIONS:
        return spec, wanted.lower()
    return text, None


def _run_table(arguments: argparse.Namespace, out: TextIO) -> int:
    files: list[str] = arguments.files
    if len(files) != 1:
        print("trustsim check: error: --caller takes exactly one trust policy", file=sys.stderr)
        return EXIT_USAGE
    name = files[0]
    try:
        source: bytes = _files.read_stdin() if name == "-" else _files.read_named(name)[0]
    except OSError as error:
        print(f"{label(name)}: cannot read the file: {reason(error)}", file=out)
        return EXIT_USAGE
    if source.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        print(
            f"{label(name)}: these are scenarios (a JSON array), not a policy: "
            "run them without --caller",
            file=out,
        )
        return EXIT_USAGE
    try:
        policy = load_policy(source, kind=PolicyKind.TRUST, origin=label(name))
    except InvalidPolicy as error:
        print(str(error), file=out)
        return EXIT_USAGE
    try:
        rows = _table_rows(arguments, policy)
    except (roles.UsageError, InvalidCaller, InvalidRequest, InvalidContext) as error:
        print(f"trustsim check: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    role_arn = arguments.role_arn or roles.default_role_arn(policy)
    failed = sum(not row.passed for row in rows)
    if arguments.format == "json":
        report = {
            "policy": label(name),
            "role": role_arn,
            "callers": [row.to_dict() for row in rows],
            "passed": len(rows) - failed,
            "failed": failed,
        }
        print(json.dumps(report, indent=2), file=out)
    else:
        for row in rows:
            print(row.line(), file=out)
        count = len(rows)
        print(
            f"{plural(count, 'caller')} against {role_arn}: "
            f"{count - failed} passed, {failed} failed",
            file=out,
        )
    return EXIT_INVALID if failed else EXIT_OK


def _table_rows(arguments: argparse.Namespace, policy: Policy) -> list[_Row]:
    claims = claims_from_pairs(arguments.claim)
    context = roles.context(arguments.context)
    role = roles.role_org(
        Role(arguments.role_arn or roles.default_role_arn(policy), policy), arguments
    )
    rows = []
    for text in arguments.callers:
        spec, expected = _expectation(text)
        caller = caller_from_spec(spec, claims)
        if isinstance(caller, (IamUser, RoleSession)):
            caller = roles.iam_caller(caller, arguments, role.arn)
        outcome = assume_role(caller, role, context=context or None)
        rows.append(_Row(spec, expected, outcome, caller_allowed=arguments.caller_allowed))
    return rows
