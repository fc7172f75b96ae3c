"""The ``trustsim`` command: a thin shell over the library.

``trustsim validate FILE… [--kind KIND] [--format text|json]`` reads each policy document
(``-`` reads standard input) and prints a short summary of each valid one or every problem
of each invalid one. Exit status: 0 all valid, 1 some invalid, 2 usage error or unreadable file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from trustsim.errors import InvalidPolicy
from trustsim.loaders import load_policy
from trustsim.model import Policy, PolicyKind, Principal, Statement

__all__ = ["main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trustsim",
        description="Decide locally, the way AWS IAM would, whether a caller may assume an IAM role.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser(
        "validate",
        help="check policy documents the way AWS would when saving them",
        description="Check policy documents the way AWS would when saving them; summarise the "
        "valid ones and list every problem of the others.",
    )
    validate.add_argument(
        "files", nargs="+", metavar="FILE", help="JSON policy files ('-' for stdin)"
    )
    validate.add_argument(
        "--kind",
        choices=[kind.value for kind in PolicyKind],
        default=PolicyKind.TRUST.value,
        help="which role the documents play (default: trust)",
    )
    validate.add_argument(
        "--format", choices=["text", "json"], default="text", help="output format"
    )
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Run the command line; returns the exit status.

    >>> main(["validate", "examples/lambda-source-account.json"])
    examples/lambda-source-account.json: valid trust policy (Version 2012-10-17, 1 statement)
      Statement 0 "LambdaInvoke": Allow
        trusted: Service lambda.amazonaws.com
        actions: sts:AssumeRole
        when:    StringEquals aws:SourceAccount = "111122223333"
    0
    """
    out = stdout or sys.stdout
    try:
        arguments = _parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK
    return _validate(arguments.files, PolicyKind(arguments.kind), arguments.format, out)


def _validate(files: Sequence[str], kind: PolicyKind, output: str, out: TextIO) -> int:
    status = EXIT_OK
    reports: list[dict[str, Any]] = []
    for name in files:
        report, text = _check(name, kind)
        reports.append(report)
        if "error" in report:
            status = EXIT_USAGE
        elif not report["valid"]:
            status = max(status, EXIT_INVALID)
        if output == "text":
            print(text, file=out)
    if output == "json":
        print(json.dumps({"files": reports}, indent=2), file=out)
    return status


def _check(name: str, kind: PolicyKind) -> tuple[dict[str, Any], str]:
    """Load one file: its JSON report and its text rendering."""
    label = "<stdin>" if name == "-" else name
    try:
        policy = (
            load_policy(sys.stdin.buffer.read(), kind=kind, origin="<stdin>")
            if name == "-"
            else load_policy(Path(name), kind=kind, origin=name)
        )
    except InvalidPolicy as error:
        return {"file": name, "valid": False, "problems": _problem_dicts(error)}, str(error)
    except OSError as error:
        reason = error.strerror or str(error)
        report = {"file": name, "valid": False, "error": reason}
        return report, f"{label}: cannot read the file: {reason}"
    report = {"file": name, "valid": True, "kind": kind.value, "policy": policy.to_dict()}
    return report, _summary(label, policy)


def _problem_dicts(error: InvalidPolicy) -> list[dict[str, Any]]:
    found = []
    for problem in error.problems:
        position = error.position_of(problem.pointer)
        found.append(
            {
                "code": problem.code,
                "pointer": problem.pointer,
                "message": problem.message,
                "aws_says": problem.aws_says,
                "line": position.line if position else None,
                "column": position.column if position else None,
            }
        )
    return found


_KIND_NAMES = {
    PolicyKind.TRUST: "trust policy",
    PolicyKind.IDENTITY: "identity policy",
    PolicyKind.PERMISSIONS_BOUNDARY: "permissions boundary",
    PolicyKind.SESSION: "session policy",
    PolicyKind.SCP: "service control policy",
    PolicyKind.RCP: "resource control policy",
}


def _summary(name: str, policy: Policy) -> str:
    count = len(policy.statements)
    version = f"Version {policy.version}" if policy.version else "no Version: variables are literal"
    lines = [
        f"{name}: valid {_KIND_NAMES[policy.kind]} ({version}, "
        f"{count} statement{'s' if count != 1 else ''})"
    ]
    for statement in policy.statements:
        lines += _statement_summary(statement)
    return "\n".join(lines)


def _principals(principal: Principal) -> list[str]:
    if principal.star:
        return ["*"]
    return [
        f"{label} {value}"
        for label, values in (
            ("AWS", principal.aws),
            ("Service", principal.service),
            ("Federated", principal.federated),
            ("CanonicalUser", principal.canonical_user),
        )
        for value in values
    ]


def _statement_summary(statement: Statement) -> list[str]:
    sid = f' "{statement.sid}"' if statement.sid else ""
    lines = [f"  Statement {statement.index}{sid}: {statement.effect.value}"]
    pad = "    "
    if statement.principal is not None:
        lines.append(f"{pad}trusted: {', '.join(_principals(statement.principal))}")
    if statement.not_principal is not None:
        lines.append(f"{pad}everyone except: {', '.join(_principals(statement.not_principal))}")
    if statement.action is not None:
        lines.append(f"{pad}actions: {', '.join(statement.action)}")
    if statement.not_action is not None:
        lines.append(f"{pad}every action except: {', '.join(statement.not_action)}")
    if statement.resource is not None:
        lines.append(f"{pad}resources: {', '.join(statement.resource)}")
    if statement.not_resource is not None:
        lines.append(f"{pad}every resource except: {', '.join(statement.not_resource)}")
    for number, clause in enumerate(statement.condition):
        label = "when:   " if number == 0 else "and:    "
        values = " or ".join(json.dumps(value) for value in clause.values) or "(no values)"
        lines.append(f"{pad}{label} {clause.operator.name} {clause.key} = {values}")
    return lines
