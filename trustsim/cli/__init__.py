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
  proven; whether NEW grants access OLD did not (:mod:`trustsim.analysis`).
* ``trustsim inventory build DUMPS… -o FILE``: an inventory database for who-can and reach.

Every command reads ``-`` as standard input and takes ``--format text|json``. Each command
family is a module of this package (a :class:`~trustsim.cli.options.Family`) with two names:
``COMMANDS``, its commands as the parser knows them (name, help, arguments: each a
:class:`~trustsim.cli.options.Command`, turned into a parser the same way for all by
:func:`~trustsim.cli.options.add_commands`), and ``run``, which runs the one asked for:
:mod:`~trustsim.cli.validate`, :mod:`~trustsim.cli.check`,
:mod:`~trustsim.cli.explain`, :mod:`~trustsim.cli.lint` (its reports in
:mod:`~trustsim.cli.reports`, its baseline and configuration beside it),
:mod:`~trustsim.cli.inventory` and :mod:`~trustsim.cli.analysis`. What every command
writes passes through :mod:`trustsim.cli.output`.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from trustsim import __version__, _files
from trustsim.cli import analysis, check, explain, inventory, lint, validate
from trustsim.cli.options import Family, add_commands, leaf_parsers, safety_options
from trustsim.cli.output import EXIT_OK, EXIT_USAGE, SafeText
from trustsim.errors import escape

__all__ = ["main"]

#: The command families, in the order ``--help`` lists them.
_FAMILIES: tuple[Family, ...] = (validate, check, explain, lint, inventory, analysis)


def _parser() -> tuple[argparse.ArgumentParser, dict[str, Family]]:
    """The parser of the command line, and the family that runs each command."""
    parser = argparse.ArgumentParser(
        prog="trustsim",
        description="Decide locally, the way AWS IAM would, whether a caller may assume an IAM role.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"trustsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    families: dict[str, Family] = {}
    for family in _FAMILIES:
        add_commands(commands, family.COMMANDS)
        families.update(dict.fromkeys((command.name for command in family.COMMANDS), family))
    for command in commands.choices.values():
        for leaf in leaf_parsers(command):
            safety_options(leaf)
    return parser, families


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
    safe_out = SafeText(stdout or sys.stdout)
    safe_err = SafeText(sys.stderr)
    try:
        with contextlib.redirect_stderr(safe_err), contextlib.redirect_stdout(safe_out):
            parser, families = _parser()
            arguments = _parse(parser, _after_double_dash(given))
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK
    if len(getattr(arguments, "files", ())) > 1:
        # Among several files (a glob's expansion), '-' is a file: stdin only when alone.
        arguments.files = ["./-" if name == "-" else name for name in arguments.files]
    try:
        with (
            contextlib.redirect_stderr(safe_err),
            contextlib.redirect_stdout(safe_out),
            _files.limits(allow_outside=arguments.allow_outside, max_bytes=arguments.max_file_size),
        ):
            return families[arguments.command].run(arguments, safe_out)  # type: ignore[arg-type]
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
