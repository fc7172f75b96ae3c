"""``trustsim validate FILE… [--kind KIND]``: each policy's summary, or every problem.

Exit status: 0 all valid, 1 some invalid, 2 usage error or unreadable file (docs/cli.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

import attrs

from trustsim import _files
from trustsim.cli import discovery
from trustsim.cli.options import Command, input_options, paths_argument
from trustsim.cli.output import EXIT_INVALID, EXIT_OK, EXIT_USAGE, label, plural, reason
from trustsim.cli.reports import not_read, problem_dicts
from trustsim.errors import InvalidPolicy, escape
from trustsim.loaders import load_policy
from trustsim.model import Policy, PolicyKind, Principal, Statement

__all__ = ["COMMANDS", "run"]


def _arguments(validate: argparse.ArgumentParser) -> None:
    paths_argument(
        validate, "PATH", "policy files, templates, plans, account dumps, or folders of them"
    )
    validate.add_argument(
        "--kind",
        choices=[kind.value for kind in PolicyKind],
        default=PolicyKind.TRUST.value,
        help="which role the documents play (default: trust)",
    )
    input_options(validate)


def run(arguments: argparse.Namespace, out: TextIO) -> int:
    """``trustsim validate``: a summary or the problems per file; 0 valid, 1 invalid, 2 unreadable."""
    kind, output = PolicyKind(arguments.kind), arguments.format
    status = EXIT_OK
    reports: list[dict[str, Any]] = []
    for found in discovery.candidates(arguments.files):
        candidate = attrs.evolve(found, explicit=False) if arguments.skip_unknown else found
        try:
            data = _files.read_stdin() if candidate.name == "-" else None
        except OSError as error:
            data, report = None, {"file": "-", "valid": False, "error": reason(error)}
            text = f"<stdin>: cannot read: {reason(error)}"
        else:
            loaded = discovery.load(
                candidate,
                format_in=arguments.format_in,
                stack_id=arguments.stack_id,
                account_id=arguments.account_id,
                data=data,
            )
            if (
                loaded.skipped is not None
                or loaded.kind not in (None, "policy")
                or (loaded.kind is None and loaded.invalid is None)
            ):
                if kind is not PolicyKind.TRUST:
                    continue  # templates, plans and dumps hold trust policies only
                report, text = _validate_many(loaded)
            else:
                report, text = _check(candidate.name, kind, data)
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


COMMANDS: tuple[Command, ...] = (
    Command(
        "validate",
        "check policy documents the way AWS would when saving them",
        "Check policy documents the way AWS would when saving them; summarise the "
        "valid ones and list every problem of the others.",
        _arguments,
    ),
)


def _validate_many(loaded: discovery.Loaded) -> tuple[dict[str, Any], str]:
    """A template, plan or dump: each role's summary; or why the file was skipped or refused."""
    unused = not_read(loaded)
    if unused is not None:
        if loaded.skipped is not None:
            return {"file": loaded.name, "valid": True, "skipped": loaded.skipped}, unused
        return {"file": loaded.name, "valid": False, "error": loaded.unreadable}, unused
    name = label(loaded.name)
    if loaded.invalid is not None:
        report = {"file": loaded.name, "valid": False, "kind": loaded.kind}
        return {**report, "problems": problem_dicts(loaded.invalid)}, str(loaded.invalid)
    count = len(loaded.sources)
    lines = [f"{name}: {loaded.kind}, {plural(count, 'role')}"]
    roles: list[dict[str, Any]] = []
    for source in loaded.sources:
        where = f"{name} [{escape(source.address)}]"
        if source.policy is None:
            lines.append(f"{where}: {escape(source.unknown or 'unknown')}")
            roles.append({"address": source.address, "unknown": source.unknown})
            continue
        lines.append(_summary(where, source.policy))
        roles.append({"address": source.address, "policy": source.policy.to_dict()})
    report = {"file": loaded.name, "valid": True, "kind": loaded.kind, "roles": roles}
    return report, "\n".join(lines)


def _check(name: str, kind: PolicyKind, data: bytes | None = None) -> tuple[dict[str, Any], str]:
    """Load one file (or standard input's ``data``): its JSON report and its text rendering."""
    label = "<stdin>" if name == "-" else name
    try:
        policy = (
            load_policy(
                data if data is not None else _files.read_stdin(), kind=kind, origin="<stdin>"
            )
            if name == "-"
            else load_policy(Path(name), kind=kind, origin=name)
        )
    except InvalidPolicy as error:
        report = {"file": name, "valid": False, "aws_says": error.aws_says}
        return {**report, "problems": problem_dicts(error)}, str(error)
    except OSError as error:
        reason = error.strerror or str(error)
        report = {"file": name, "valid": False, "error": reason}
        return report, f"{label}: cannot read the file: {reason}"
    report = {"file": name, "valid": True, "kind": kind.value, "policy": policy.to_dict()}
    return report, _summary(label, policy)


_KIND_NAMES = {
    PolicyKind.TRUST: "trust policy",
    PolicyKind.IDENTITY: "identity policy",
    PolicyKind.MANAGED: "managed policy",
    PolicyKind.PERMISSIONS_BOUNDARY: "permissions boundary",
    PolicyKind.SESSION: "session policy",
    PolicyKind.SCP: "service control policy",
    PolicyKind.RCP: "resource control policy",
}


def _summary(name: str, policy: Policy) -> str:
    count = len(policy.statements)
    version = f"Version {policy.version}" if policy.version else "no Version: variables are literal"
    lines = [f"{name}: valid {_KIND_NAMES[policy.kind]} ({version}, {plural(count, 'statement')})"]
    for statement in policy.statements:
        lines += [escape(line) for line in _statement_summary(statement)]
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
    # No kind of policy trustsim validates may use NotPrincipal (docs/errors.md), so a valid
    # policy never has one to summarise.
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
