"""The ``trustsim`` command: a thin shell over the library (docs/cli.md).

* ``trustsim validate FILE… [--kind KIND]``: each policy's summary, or every problem.
  Exit status: 0 all valid, 1 some invalid, 2 usage error or unreadable file.
* ``trustsim check SCENARIOS…``: run scenario files (:mod:`trustsim.scenarios`), one line per
  scenario, with the explanation of each failure. 0 all pass, 1 some fail, 2 unreadable.
* ``trustsim check POLICY --caller SPEC[=allow|deny] …``: a table of callers against one trust
  policy, one row per caller with the deciding statement or the failing clause. 0 every
  expectation holds (without one: the caller is allowed), 1 some does not, 2 unusable input.
* ``trustsim explain POLICY --caller SPEC …``: one caller against one trust policy, with the
  explanation. 0 allowed, 1 denied, 2 usage error or unreadable or invalid policy.
* ``trustsim lint FILE… [--fail-on SEVERITY] [--format text|json|sarif]``: trust-policy
  findings (:mod:`trustsim.lint`). 0 none at or above ``--fail-on``, 1 some, 2 unreadable.
* ``trustsim who-can ROLE_ARN --inventory FILE`` / ``trustsim reach PRINCIPAL_ARN --inventory
  FILE``: who can assume a role of an inventory, with residual conditions; which roles a
  principal reaches by chaining (:mod:`trustsim.whocan`). 0 answered, 2 unreadable inventory.
* ``trustsim grants POLICY`` / ``trustsim diff OLD NEW``: every request a trust policy allows,
  proven; whether NEW grants access OLD did not (:mod:`trustsim.analysis.cli`).

Every command reads ``-`` as standard input and takes ``--format text|json``.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs

from trustsim import __version__, _cli_lint, _discovery, _files, _inventory_cli, whocan
from trustsim.analysis import cli as analysis_cli
from trustsim.arn import Arn
from trustsim.caller_specs import CALLER_SPEC_FORMS, caller_from_spec, claims_from_pairs
from trustsim.callers import Caller, IamUser, InvalidCaller, OrgMembership, Role, RoleSession
from trustsim.context import ContextValue
from trustsim.decision import Outcome
from trustsim.errors import (
    InvalidContext,
    InvalidPolicy,
    InvalidRequest,
    TrustsimError,
    escape,
)
from trustsim.evaluation import assume_role, check_action
from trustsim.explain import StatementRecord
from trustsim.inventory import RCP_FULL_AWS_ACCESS, load_inventory
from trustsim.inventory_db import is_database
from trustsim.lint import Severity
from trustsim.loaders import load_policy
from trustsim.loaders.json_text import read_json
from trustsim.model import Policy, PolicyKind, Principal, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import ASSUME_ACTIONS
from trustsim.scenarios import MalformedScenario, ScenarioResult, load_scenarios

__all__ = ["main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


#: Commands that other modules add to the parser (``who-can``, ``reach``), by name.
_Handler = Callable[[argparse.Namespace], int]


def _parser() -> tuple[argparse.ArgumentParser, dict[str, _Handler]]:
    parser = argparse.ArgumentParser(
        prog="trustsim",
        description="Decide locally, the way AWS IAM would, whether a caller may assume an IAM role.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"trustsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser(
        "validate",
        help="check policy documents the way AWS would when saving them",
        description="Check policy documents the way AWS would when saving them; summarise the "
        "valid ones and list every problem of the others.",
    )
    validate.add_argument(
        "files",
        nargs="+",
        metavar="PATH",
        help="policy files, templates, plans, account dumps, or folders of them ('-' for stdin)",
    )
    validate.add_argument(
        "--kind",
        choices=[kind.value for kind in PolicyKind],
        default=PolicyKind.TRUST.value,
        help="which role the documents play (default: trust)",
    )
    _cli_lint.add_input_options(validate)
    _format_option(validate)
    _check_parser(commands)
    _explain_parser(commands)
    _lint_parser(commands)
    handlers = {**_inventory_parsers(commands), **analysis_cli.register_cli(commands)}
    handlers.update(_inventory_cli.register(commands))
    for command in commands.choices.values():
        for leaf in _leaf_parsers(command):
            _safety_options(leaf)
    return parser, handlers


def _inventory_parsers(commands: Any) -> dict[str, _Handler]:
    """``who-can`` and ``reach`` (:mod:`trustsim.whocan`); their handlers by name.

    Each handler returns the exit code: 0 when the answer was printed, 2 when the inventory
    cannot be read or does not hold the ARN.
    """
    inventory_help = (
        "get-account-authorization-details output, a manifest naming such dumps, or an "
        "inventory database (docs/who-can.md)"
    )
    who = commands.add_parser(
        "who-can",
        help="who can assume a role of an inventory",
        description="List every principal of an inventory that can assume the role, with the "
        "conditions left to meet (residual conditions), and the chains that reach it. Exit "
        "status: 0 answered, 2 unreadable inventory or no such role.",
    )
    who.add_argument("role_arn", metavar="ROLE_ARN", nargs="?", help="the role's ARN")
    who.add_argument("--inventory", required=True, metavar="FILE", help=inventory_help)
    who.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    reach = commands.add_parser(
        "reach",
        help="which roles a principal can reach by chaining",
        description="List every role of an inventory the principal can assume, directly or by "
        "chaining role sessions, with the conditions left to meet on the way. Exit status: 0 "
        "answered, 2 unreadable inventory or no such principal.",
    )
    reach.add_argument(
        "principal_arn", metavar="PRINCIPAL_ARN", nargs="?", help="the IAM user's or role's ARN"
    )
    reach.add_argument("--inventory", required=True, metavar="FILE", help=inventory_help)
    reach.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    for parser in (who, reach):  # issue 22: docs/who-can.md, "Large organisations"
        parser.add_argument("--all", action="store_true", help="every one, as JSON lines")
        parser.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes")
    return {
        "who-can": lambda args: _inventory_answer(args, "who-can", args.role_arn),
        "reach": lambda args: _inventory_answer(args, "reach", args.principal_arn),
    }


def _inventory_answer(args: argparse.Namespace, command: str, target: str | None) -> int:
    if args.all or not target or is_database(args.inventory):
        return _inventory_cli.run_query(args, command)  # a database, or --all (issue 22)
    answer = whocan.who_can_assume if command == "who-can" else whocan.reachable_from
    status = _inventory_cli.StatusLine(sys.stderr)
    try:
        status.show(f"reading {escape(str(args.inventory))}")
        inventory = load_inventory(args.inventory)
        status.show(f"{len(inventory.users)} users, {len(inventory.roles)} roles: answering")
        if not inventory.roles and not inventory.users:
            print(
                f"trustsim: {escape(str(args.inventory))} is not an inventory: it holds no roles "
                "or users (an inventory is get-account-authorization-details output, or a "
                "manifest naming such dumps: docs/who-can.md)",
                file=sys.stderr,
            )
            return 2
        result = answer(inventory, target)
    except (TrustsimError, OSError) as error:
        status.clear()
        print(f"trustsim: {error}", file=sys.stderr)
        return 2
    finally:
        status.clear()
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.to_text())
    return 0


def _leaf_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser``, or its subcommands' parsers (``inventory build``) when it has some."""
    nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not nested:
        yield parser
    for action in nested:
        for child in action.choices.values():
            yield from _leaf_parsers(child)


def _safety_options(parser: argparse.ArgumentParser) -> None:
    """The read boundary's options, on every command (docs/security.md)."""
    parser.allow_abbrev = False  # a file named --form cannot pass for --format
    parser.add_argument(
        "--allow-outside",
        action="append",
        default=[],
        metavar="PATH",
        help="also read this file, or files under this folder, outside the allowed root "
        "(repeat for several)",
    )
    parser.add_argument(
        "--max-file-size",
        type=_positive_int,
        default=_files.DEFAULT_MAX_BYTES,
        metavar="BYTES",
        help=f"refuse files larger than this (default: {_files.DEFAULT_MAX_BYTES:,})",
    )
    parser.add_argument(
        "--debug", action="store_true", help="print the traceback of an unexpected error"
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of bytes: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _format_option(parser: argparse.ArgumentParser, *extra: str) -> None:
    parser.add_argument(
        "--format",
        choices=["text", "json", *extra],
        default="text",
        help="output format (default: text)",
    )


def _rcp_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--role-org-id",
        metavar="ID",
        help="the role's organization (aws:ResourceOrgID; default: --org-id when --rcp is given)",
    )
    parser.add_argument(
        "--rcp",
        action="append",
        default=[],
        metavar="FILE",
        help="a resource control policy over the role's account (repeat for several; only "
        "their Deny statements restrict: RCPFullAWSAccess is always attached)",
    )


def _role_org(role: Role, arguments: argparse.Namespace) -> Role:
    """The role with --role-org-id's organisation and the --rcp policies over its account."""
    files: list[str] = arguments.rcp
    org_id = arguments.role_org_id or (arguments.org_id if files else None)
    if org_id is None:
        if files:
            raise _UsageError("--rcp needs the role's organization: give --role-org-id")
        return role
    try:
        rcps = tuple(_read_policy(name, PolicyKind.RCP) for name in files)
    except InvalidPolicy as error:
        raise _UsageError(f"--rcp: {error}") from None
    except OSError as error:
        raise _UsageError(f"--rcp: cannot read {error.filename}: {_reason(error)}") from None
    levels = [(RCP_FULL_AWS_ACCESS, *rcps)] if rcps else []
    return attrs.evolve(role, org=OrgMembership(org_id, rcps=levels))


def _check_parser(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="run scenario files, or a table of callers against one trust policy",
        description="Either run scenario files (docs/scenarios.md; a file holding a JSON "
        "array): one line per scenario, PASS or FAIL with the decision and the expected one, "
        "and for each failure the statements that decided and the closest misses. Or decide "
        "each --caller against one trust policy (a file holding a JSON object): one row per "
        "caller, with the deciding statement, or the clause that failed. A caller spec may "
        "end with =allow or =deny, the expected decision (default: allow). Exit status: "
        "0 all pass, 1 some fail, 2 usage error, unreadable or malformed file.",
        epilog="caller specs:\n  " + "\n  ".join(CALLER_SPEC_FORMS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="scenario files, or one trust policy with --caller ('-' for stdin)",
    )
    check.add_argument(
        "--caller",
        action="append",
        default=[],
        dest="callers",
        metavar="SPEC[=allow|deny]",
        help="a caller to decide against the policy (repeat for a table)",
    )
    check.add_argument(
        "--role-arn",
        metavar="ARN",
        help="the role's ARN (default: role/trustsim-role in the account of the policy's "
        "first identity provider, else 123456789012)",
    )
    check.add_argument(
        "--claim",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a token claim or SAML attribute, for every oidc:, github: and saml: caller",
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
    _rcp_options(check)
    check.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a request context entry for every caller (aws:SourceAccount=… for services)",
    )
    _format_option(check)


def _lint_parser(commands: Any) -> None:
    lint = commands.add_parser(
        "lint",
        help="find the trust-policy mistakes that get roles taken over",
        description="Lint role trust policies (docs/lint.md). Breadth findings come with a "
        "witness: a caller the evaluator allows. Exit status: 0 no finding at or above "
        "--fail-on, 1 some (a policy AWS would refuse counts as errors), 2 unreadable file.",
    )
    lint.add_argument(
        "files",
        nargs="+",
        metavar="PATH",
        help="trust policies, CloudFormation templates, cdk.out, Terraform plans, account dumps, "
        "or folders of them ('-' for stdin)",
    )
    lint.add_argument(
        "--fail-on",
        choices=[severity.value for severity in Severity],
        default=None,
        help="the least severity that makes the exit status 1 (default: the configuration's "
        "fail-on, else security_warning)",
    )
    lint.add_argument(
        "--role-arn",
        metavar="ARN",
        help="the role's ARN: its account is the role's own, every other is another account",
    )
    lint.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODE",
        help="leave out findings with this code (repeat for several)",
    )
    _cli_lint.add_input_options(lint)
    _lint_ci_options(lint)
    _format_option(lint, "sarif")


def _lint_ci_options(lint: argparse.ArgumentParser) -> None:
    lint.add_argument(
        "--config",
        metavar="FILE",
        help="read settings from this TOML file (default: .trustsim.toml, else pyproject.toml's "
        "[tool.trustsim])",
    )
    lint.add_argument("--no-config", action="store_true", help="read no configuration file")
    lint.add_argument(
        "--baseline",
        metavar="FILE",
        help="leave out the findings this baseline file records (written by --write-baseline)",
    )
    lint.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="record every finding in this baseline file and exit 0",
    )


def _explain_parser(commands: Any) -> None:
    explain = commands.add_parser(
        "explain",
        help="decide one caller against one role's trust policy, and say why",
        description="Decide one caller against one trust policy and print the explanation. "
        "Exit status: 0 allowed, 1 denied, 2 usage error, unreadable or invalid policy.",
        epilog="caller specs:\n  " + "\n  ".join(CALLER_SPEC_FORMS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explain.add_argument("policy", metavar="POLICY", help="the trust policy file ('-' for stdin)")
    explain.add_argument("--caller", required=True, metavar="SPEC", help="who calls (see below)")
    explain.add_argument(
        "--role-arn",
        metavar="ARN",
        help="the role's ARN (default: role/trustsim-role in the account of the policy's "
        "first identity provider, else 123456789012)",
    )
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
    explain.add_argument(
        "--tag", action="append", default=[], metavar="KEY=VALUE", help="a session tag"
    )
    explain.add_argument(
        "--transitive-tag-key",
        action="append",
        default=[],
        metavar="KEY",
        help="a session tag key to make transitive",
    )
    explain.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a request context entry (repeat a key for a multi-valued key)",
    )
    explain.add_argument(
        "--claim",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a token claim (oidc:, github:) or SAML attribute (saml:)",
    )
    explain.add_argument(
        "--identity-policy",
        action="append",
        default=[],
        metavar="FILE",
        help="an identity policy of the caller (IAM users and role sessions)",
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
    _rcp_options(explain)
    explain.add_argument(
        "--view",
        choices=["summary", "determining", "failures", "all"],
        default="summary",
        help="how much of the explanation to print (default: summary)",
    )
    _format_option(explain)


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Run the command line; returns the exit status.

    >>> main(["validate", "examples/lambda-source-account.json"])
    examples/lambda-source-account.json: valid trust policy (Version 2012-10-17, 1 statement)
      Statement 0 "LambdaInvoke": Allow
        trusted: Service lambda.amazonaws.com
        actions: sts:AssumeRole
        when:    StringEquals aws:SourceAccount = "111122223333"
    0
    >>> main(["explain", "examples/github-deploy-trust.json",
    ...       "--caller", "github:acme/app@pull_request"])
    ImplicitDeny: no statement of the trust policy allows sts:AssumeRoleWithWebIdentity ...
    ...
        ✗ StringEquals token.actions.githubusercontent.com:sub expected ..., got "repo:acme/app:pull_request"
    1
    """
    given = list(sys.argv[1:] if argv is None else argv)
    safe_out = _SafeText(stdout or sys.stdout)
    safe_err = _SafeText(sys.stderr)
    try:
        with contextlib.redirect_stderr(safe_err), contextlib.redirect_stdout(safe_out):
            parser, handlers = _parser()
            arguments = _parse(parser, _after_double_dash(given))
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK
    if len(getattr(arguments, "files", ())) > 1:
        # Among several files (a glob's expansion), '-' is a file: stdin only when alone.
        arguments.files = ["./-" if name == "-" else name for name in arguments.files]
    try:
        with (
            contextlib.redirect_stderr(safe_err),
            _files.limits(allow_outside=arguments.allow_outside, max_bytes=arguments.max_file_size),
        ):
            return _dispatch(arguments, handlers, safe_out)  # type: ignore[arg-type]
    except Exception as error:
        if arguments.debug:
            traceback.print_exc(file=safe_err)
        reason = escape(str(error))[:300] or "no detail"
        print(
            f"trustsim {arguments.command}: error: unexpected {type(error).__name__}: {reason}"
            + ("" if arguments.debug else " (--debug prints the traceback)"),
            file=safe_err,
        )
        return EXIT_USAGE


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse, suggesting the closest option for a mistyped one (``--formt`` → ``--format``)."""
    arguments, extras = parser.parse_known_args(argv)
    if extras:
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        command: argparse.ArgumentParser = commands.choices[arguments.command]
        options = sorted(command._option_string_actions)
        typed = extras[0].split("=", 1)[0]
        close = difflib.get_close_matches(typed, options, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close and typed.startswith("-") else ""
        command.error(f"unrecognized arguments: {' '.join(extras)}{hint}")
    return arguments


def _after_double_dash(argv: list[str]) -> list[str]:
    """After ``--`` every argument is a file: ``-`` there is the file named ``-``, not stdin."""
    if "--" not in argv:
        return argv
    at = argv.index("--")
    return argv[: at + 1] + ["./-" if item == "-" else item for item in argv[at + 1 :]]


_WORKFLOW_COMMAND_STARTS = ("::", "##")
#: GitHub's old "##[command]" and Azure Pipelines' "##vso[command]", wherever in a line.
_LOGGING_COMMAND = re.compile(r"##(?=(?:vso)?\[)", re.IGNORECASE)


class _SafeText:
    """A text stream that escapes what came from input and cannot start a workflow command.

    Control, bidi and non-printable characters are escaped (all but the line breaks trustsim
    writes), and no line may begin a CI workflow command (``::error``, ``##[…]``, ``##vso[…]``).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.at_line_start = True
        self.broken = False

    def write(self, text: str) -> int:
        if self.broken:
            return len(text)
        try:
            return self._write(text)
        except BrokenPipeError:
            # The reader left (`trustsim validate … | head -1`): drop the rest of the output,
            # keep the command's exit status, and keep Python's exit-time flush quiet.
            self.broken = True
            with contextlib.suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.stream.fileno())
            return len(text)

    def _write(self, text: str) -> int:
        lines = text.split("\n")
        safe: list[str] = []
        for number, raw in enumerate(lines):
            line = escape(raw)
            starts_line = number > 0 or self.at_line_start
            if starts_line and line.lstrip().startswith(_WORKFLOW_COMMAND_STARTS):
                indent = len(line) - len(line.lstrip())
                line = line[:indent] + "\\x" + f"{ord(line[indent]):02x}" + line[indent + 1 :]
            safe.append(_LOGGING_COMMAND.sub("#\\\\x23", line))
        if text:
            self.at_line_start = text.endswith("\n")
        self.stream.write("\n".join(safe))
        return len(text)

    def flush(self) -> None:
        if self.broken:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            self.broken = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _dispatch(arguments: argparse.Namespace, handlers: dict[str, _Handler], out: TextIO) -> int:
    match arguments.command:
        case "check" if arguments.callers:
            return _run_table(arguments, out)
        case "check":
            return _run_check(arguments.files, arguments.format, out)
        case "explain":
            return _run_explain(arguments, out)
        case "lint":
            return _run_lint(arguments, out)
        case "who-can" | "reach" | "inventory" | "grants" | "diff":
            with contextlib.redirect_stdout(out):
                return handlers[arguments.command](arguments)
        case _:
            return _validate(arguments, out)


def _validate(arguments: argparse.Namespace, out: TextIO) -> int:
    kind, output = PolicyKind(arguments.kind), arguments.format
    status = EXIT_OK
    reports: list[dict[str, Any]] = []
    for found in _discovery.candidates(arguments.files):
        candidate = attrs.evolve(found, explicit=False) if arguments.skip_unknown else found
        try:
            data = _files.read_stdin() if candidate.name == "-" else None
        except OSError as error:
            data, report = None, {"file": "-", "valid": False, "error": _reason(error)}
            text = f"<stdin>: cannot read: {_reason(error)}"
        else:
            loaded = _discovery.load(
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


def _validate_many(loaded: _discovery.Loaded) -> tuple[dict[str, Any], str]:
    """A template, plan or dump: each role's summary; or why the file was skipped or refused."""
    label = _label(loaded.name)
    if loaded.skipped is not None:
        return {"file": loaded.name, "valid": True, "skipped": loaded.skipped}, (
            f"{label}: skipped: {escape(loaded.skipped)}"
        )
    if loaded.unreadable is not None:
        verb = "refused" if loaded.refused else "cannot read the file"
        return {"file": loaded.name, "valid": False, "error": loaded.unreadable}, (
            f"{label}: {verb}: {escape(loaded.unreadable)}"
        )
    if loaded.invalid is not None:
        report = {"file": loaded.name, "valid": False, "kind": loaded.kind}
        return {**report, "problems": _cli_lint.problem_dicts(loaded.invalid)}, str(loaded.invalid)
    count = len(loaded.sources)
    lines = [f"{label}: {loaded.kind}, {count} role{'s' * (count != 1)}"]
    roles: list[dict[str, Any]] = []
    for source in loaded.sources:
        where = f"{label} [{escape(source.address)}]"
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
        return {**report, "problems": _cli_lint.problem_dicts(error)}, str(error)
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
    lines = [
        f"{name}: valid {_KIND_NAMES[policy.kind]} ({version}, "
        f"{count} statement{'s' if count != 1 else ''})"
    ]
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


# --- check -------------------------------------------------------------------------------


def _run_check(files: Sequence[str], output: str, out: TextIO) -> int:
    status = EXIT_OK
    results: list[ScenarioResult] = []
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
            reason = _reason(error)
            unreadable.append({"file": name, "error": reason})
            if output == "text":
                print(f"{_label(name)}: cannot run the scenarios: {reason}", file=out)
            status = EXIT_USAGE
            continue
        for scenario in scenarios:
            result = scenario.run()
            results.append(result)
            if not result.passed:
                status = max(status, EXIT_INVALID)
            if output == "text":
                print(_result_line(name, result), file=out)
                if not result.passed:
                    print(_indent(_failure_detail(result), "    "), file=out)
    failed = sum(not r.passed for r in results)
    if output == "json":
        report = {
            "scenarios": [_result_dict(r) for r in results],
            "unreadable": unreadable,
            "passed": len(results) - failed,
            "failed": failed,
        }
        print(json.dumps(report, indent=2), file=out)
    else:
        count = len(results)
        print(
            f"{count} scenario{'s' if count != 1 else ''}: {count - failed} passed, {failed} failed",
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
        print(f"{_label(name)}: cannot read the file: {_reason(error)}", file=out)
        return EXIT_USAGE
    if source.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        print(
            f"{_label(name)}: these are scenarios (a JSON array), not a policy: "
            "run them without --caller",
            file=out,
        )
        return EXIT_USAGE
    try:
        policy = load_policy(source, kind=PolicyKind.TRUST, origin=_label(name))
    except InvalidPolicy as error:
        print(str(error), file=out)
        return EXIT_USAGE
    try:
        rows = _table_rows(arguments, policy)
    except (_UsageError, InvalidCaller, InvalidRequest, InvalidContext) as error:
        print(f"trustsim check: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    role_arn = arguments.role_arn or _default_role_arn(policy)
    failed = sum(not row.passed for row in rows)
    if arguments.format == "json":
        report = {
            "policy": _label(name),
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
            f"{count} caller{'s' if count != 1 else ''} against {role_arn}: "
            f"{count - failed} passed, {failed} failed",
            file=out,
        )
    return EXIT_INVALID if failed else EXIT_OK


def _table_rows(arguments: argparse.Namespace, policy: Policy) -> list[_Row]:
    claims = claims_from_pairs(arguments.claim)
    context = _context(arguments.context)
    role = _role_org(Role(arguments.role_arn or _default_role_arn(policy), policy), arguments)
    rows = []
    for text in arguments.callers:
        spec, expected = _expectation(text)
        caller = caller_from_spec(spec, claims)
        if isinstance(caller, (IamUser, RoleSession)):
            caller = _table_identity(caller, arguments, role.arn)
        outcome = assume_role(caller, role, context=context or None)
        rows.append(_Row(spec, expected, outcome, caller_allowed=arguments.caller_allowed))
    return rows


def _table_identity(
    caller: IamUser | RoleSession, arguments: argparse.Namespace, role_arn: str
) -> IamUser | RoleSession:
    """An IAM caller with the table's --caller-allowed policy and --org-id organization."""
    if arguments.caller_allowed:
        allow = {"Effect": "Allow", "Action": "sts:*", "Resource": role_arn}
        document = {"Version": "2012-10-17", "Statement": [allow]}
        allowing = parse_policy(document, kind=PolicyKind.IDENTITY, origin="--caller-allowed")
        caller = attrs.evolve(caller, policies=(*caller.policies, allowing))
    if arguments.org_id is not None:
        caller = attrs.evolve(caller, org=OrgMembership(arguments.org_id))
    return caller


def _label(name: str) -> str:
    """A file name for text output: escaped, so that it cannot break or forge a line."""
    return "<stdin>" if name == "-" else escape(name)


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error)


def _result_line(name: str, result: ScenarioResult) -> str:
    verdict = "PASS" if result.passed else "FAIL"
    return (
        f"{verdict} {_label(name)}::{escape(result.scenario.name)}: {result.decision} "
        f"(expected {result.expected})"
    )


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def _failure_detail(result: ScenarioResult) -> str:
    """Why a scenario failed: the determining statements and the closest misses, or the error."""
    if result.outcome is None:
        return str(result.error) if result.error is not None else "no decision"
    explanation = result.outcome.explain()
    lines = explanation.to_text("determining").splitlines()
    misses = ["closest Allow statements:"] if explanation.failures else []
    for statement in explanation.failures:
        misses += ["  " + escape(line) for line in statement.lines(only_failures=True)]
    at = lines.index("diagnostics:") if "diagnostics:" in lines else len(lines)
    return "\n".join([*lines[:at], *misses, *lines[at:]])


def _result_dict(result: ScenarioResult) -> dict[str, Any]:
    scenario = result.scenario
    return {
        "file": scenario.origin,
        "name": scenario.name,
        "expected": result.expected,
        "decision": result.decision,
        "passed": result.passed,
        "explanation": None if result.outcome is None else result.outcome.explain().to_dict(),
        "error": None if result.error is None else str(result.error),
    }


# --- explain -----------------------------------------------------------------------------

_DEFAULT_ACCOUNT = "123456789012"
_DEFAULT_ROLE_NAME = "trustsim-role"


class _UsageError(Exception):
    """A command-line value that cannot be used; reported as ``trustsim CMD: error: …``."""


def _run_explain(arguments: argparse.Namespace, out: TextIO) -> int:
    try:
        policy = _read_policy(arguments.policy, PolicyKind.TRUST)
    except InvalidPolicy as error:
        print(str(error), file=out)
        return EXIT_USAGE
    except OSError as error:
        print(f"{_label(arguments.policy)}: cannot read the file: {_reason(error)}", file=out)
        return EXIT_USAGE
    try:
        outcome = _decide(arguments, policy)
    except (_UsageError, InvalidCaller, InvalidRequest, InvalidContext, InvalidPolicy) as error:
        print(f"trustsim explain: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    explanation = outcome.explain()
    if arguments.format == "json":
        print(json.dumps(explanation.to_dict(), indent=2), file=out)
    else:
        print(explanation.to_text(arguments.view), file=out)
    return EXIT_OK if outcome.allowed else EXIT_INVALID


def _read_policy(name: str, kind: PolicyKind) -> Policy:
    if name == "-":
        return load_policy(_files.read_stdin(), kind=kind, origin="<stdin>")
    return load_policy(Path(name), kind=kind, origin=name)


def _pairs(option: str, values: Sequence[str]) -> list[tuple[str, str]]:
    pairs = []
    for text in values:
        key, equals, value = text.partition("=")
        if not equals or not key:
            raise _UsageError(f"{option} {text!r}: expected KEY=VALUE")
        pairs.append((key, value))
    return pairs


def _context(values: Sequence[str]) -> dict[str, ContextValue]:
    merged: dict[str, list[str]] = {}
    for key, value in _pairs("--context", values):
        merged.setdefault(key, []).append(value)
    context: dict[str, ContextValue] = {}
    for key, items in merged.items():
        context[key] = items[0] if len(items) == 1 else tuple(items)
    return context


def _default_role_arn(policy: Policy) -> str:
    """role/trustsim-role in the account of the policy's first IAM identity provider."""
    for statement in policy.statements:
        for value in statement.principal.federated if statement.principal else ():
            arn = Arn.try_parse(value)
            if arn is not None and arn.account:
                return f"arn:{arn.partition}:iam::{arn.account}:role/{_DEFAULT_ROLE_NAME}"
    return f"arn:aws:iam::{_DEFAULT_ACCOUNT}:role/{_DEFAULT_ROLE_NAME}"


def _with_caller_policies(caller: Caller, arguments: argparse.Namespace, role_arn: str) -> Caller:
    files: list[str] = arguments.identity_policy
    if not files and arguments.org_id is None and not arguments.caller_allowed:
        return caller
    if not isinstance(caller, (IamUser, RoleSession)):
        raise _UsageError(
            "--identity-policy, --caller-allowed and --org-id are for IAM users and role sessions"
        )
    policies = tuple(_read_policy(name, PolicyKind.IDENTITY) for name in files)
    if arguments.caller_allowed:
        allow = {"Effect": "Allow", "Action": "sts:*", "Resource": role_arn}
        document = {"Version": "2012-10-17", "Statement": [allow]}
        policies += (parse_policy(document, kind=PolicyKind.IDENTITY, origin="--caller-allowed"),)
    org = None if arguments.org_id is None else OrgMembership(arguments.org_id)
    return attrs.evolve(caller, policies=policies, org=org)


def _decide(arguments: argparse.Namespace, policy: Policy) -> Outcome:
    claims = claims_from_pairs(arguments.claim)
    role = _role_org(Role(arguments.role_arn or _default_role_arn(policy), policy), arguments)
    caller = _with_caller_policies(caller_from_spec(arguments.caller, claims), arguments, role.arn)
    options: dict[str, Any] = {
        "external_id": arguments.external_id,
        "session_name": arguments.session_name,
        "source_identity": arguments.source_identity,
        "source_ip": arguments.source_ip,
        "region": arguments.region,
        "tags": dict(_pairs("--tag", arguments.tag)) or None,
        "transitive_tag_keys": arguments.transitive_tag_key or None,
        "context": _context(arguments.context) or None,
    }
    action = arguments.action
    if action is None or action.lower() in _ASSUME_ACTIONS_FOLDED:
        return assume_role(caller, role, action=action, **options)
    return check_action(caller, role, action, **options)


_ASSUME_ACTIONS_FOLDED = frozenset(action.lower() for action in ASSUME_ACTIONS)


# --- lint (trustsim._cli_lint) ----------------------------------------------------------


def _run_lint(arguments: argparse.Namespace, out: TextIO) -> int:
    try:
        return _cli_lint.run(arguments, out)
    except InvalidCaller as error:  # --role-arn or a configured role ARN
        print(f"trustsim lint: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except InvalidPolicy as error:  # --stack-id
        print(f"trustsim lint: error: {error.problems[0].message}", file=sys.stderr)
        return EXIT_USAGE
