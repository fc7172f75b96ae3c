"""How a command is declared, once for all of them: its parser, and the options commands share.

A command family (a :class:`Family`) declares each of its commands as a :class:`Command`
(its name, its help, its own arguments); :func:`add_commands` builds the parsers the same way
for all of them: the command's arguments, then ``--format`` (text, json and the command's
extra formats). The options several commands share (inputs of many kinds, ``--role-arn``,
the read boundary) are declared here too.

>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> format_option(parser, (*TEXT_OR_JSON, "sarif"))
>>> parser.parse_args(["--format", "sarif"]).format
'sarif'
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TextIO

import attrs

from trustsim import _files
from trustsim.caller_specs import CALLER_SPEC_FORMS
from trustsim.cli import discovery

__all__ = [
    "TEXT_OR_JSON",
    "Command",
    "Family",
    "add_commands",
    "format_option",
    "input_options",
    "leaf_parsers",
    "paths_argument",
    "repeated",
    "role_arn_option",
    "safety_options",
]

#: The output formats every command with a ``--format`` offers.
TEXT_OR_JSON = ("text", "json")


class Family(Protocol):
    """A module of commands (:mod:`trustsim.cli.lint`, …): its parsers, and what it does."""

    #: The commands the module adds to the parser, in the order ``--help`` lists them.
    COMMANDS: tuple[Command, ...]

    def run(self, arguments: argparse.Namespace, out: TextIO, /) -> int:
        """Run the command ``arguments.command``, printing to ``out``; its exit status."""


@attrs.frozen
class Command:
    """One command as the parser knows it: its name, its help and its own arguments.

    ``summary`` is its line in ``trustsim --help``, ``description`` the head of its own
    ``--help``; ``arguments`` declares what it takes besides ``--format``, which
    :func:`add_commands` adds after them with ``formats`` (none: the command declares its
    own, or has no output format). With ``caller_specs``, the forms of ``--caller`` close
    its help. What the command does is its family module's ``run``.
    """

    name: str
    summary: str
    description: str
    arguments: Callable[[argparse.ArgumentParser], None]
    formats: tuple[str, ...] = TEXT_OR_JSON
    caller_specs: bool = False


def add_commands(commands: Any, declared: tuple[Command, ...]) -> None:
    """Add the parser of each command to ``commands``.

    >>> parser = argparse.ArgumentParser(prog="trustsim")
    >>> hello = Command("hello", "greet", "Say hello.", lambda parser: None)
    >>> add_commands(parser.add_subparsers(dest="command"), (hello,))
    >>> parser.parse_args(["hello", "--format", "json"])
    Namespace(command='hello', format='json')
    """
    for declaration in declared:
        parser = _parser(commands, declaration)
        declaration.arguments(parser)
        if declaration.formats:
            format_option(parser, declaration.formats)


def _parser(commands: Any, declaration: Command) -> argparse.ArgumentParser:
    """The command's parser, with its help; the forms of ``--caller`` close it if it takes one."""
    specs: dict[str, Any] = {}
    if declaration.caller_specs:
        specs["epilog"] = "caller specs:\n  " + "\n  ".join(CALLER_SPEC_FORMS)
        specs["formatter_class"] = argparse.RawDescriptionHelpFormatter
    return commands.add_parser(  # type: ignore[no-any-return]
        declaration.name, help=declaration.summary, description=declaration.description, **specs
    )


def paths_argument(parser: argparse.ArgumentParser, metavar: str, what: str) -> None:
    """The files (and folders) a command reads: one or more, ``-`` for standard input."""
    parser.add_argument("files", nargs="+", metavar=metavar, help=f"{what} ('-' for stdin)")


def role_arn_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--role-arn ARN``: the role the command's policies belong to, as ``what`` says."""
    parser.add_argument("--role-arn", metavar="ARN", help=what)


def repeated(
    parser: argparse.ArgumentParser, option: str, metavar: str, what: str, dest: str | None = None
) -> None:
    """An option given any number of times, gathered in a list (empty when not given)."""
    parser.add_argument(option, action="append", default=[], metavar=metavar, help=what, dest=dest)


def format_option(parser: argparse.ArgumentParser, formats: Sequence[str] = TEXT_OR_JSON) -> None:
    """``--format`` among ``formats``, text by default."""
    parser.add_argument(
        "--format",
        choices=list(formats),
        default="text",
        help="output format (default: text)",
    )


def input_options(parser: argparse.ArgumentParser) -> None:
    """The options of commands reading files and folders of many kinds (lint, validate)."""
    parser.add_argument(
        "--format-in",
        choices=discovery.FORMATS,
        metavar="KIND",
        help="read every file as this kind instead of telling it from the content: "
        + ", ".join(discovery.FORMATS),
    )
    parser.add_argument(
        "--skip-unknown",
        action="store_true",
        help="skip named files that are no policy, template, plan or account dump with a note, "
        "as in a folder (pre-commit hands over every *.json)",
    )
    parser.add_argument(
        "--stack-id",
        metavar="ARN_OR_UUID",
        help="the stack's AWS::StackId for CloudFormation templates (default: a UUID-shaped "
        "placeholder, 00000000-0000-4000-8000-000000000000)",
    )
    parser.add_argument(
        "--account-id",
        type=_account_id,
        metavar="ACCOUNT",
        help="the account templates and plans deploy to (AWS::AccountId; the account of roles "
        "whose ARN the file does not say)",
    )


def _account_id(text: str) -> str:
    if not re.fullmatch(r"[0-9]{12}", text):
        raise argparse.ArgumentTypeError(f"not an AWS account ID (12 digits): {text!r}")
    return text


def leaf_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser``, or its subcommands' parsers (``inventory build``) when it has some."""
    nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not nested:
        yield parser
    for action in nested:
        for child in action.choices.values():
            yield from leaf_parsers(child)


def safety_options(parser: argparse.ArgumentParser) -> None:
    """The read boundary's options, on every command (docs/security.md)."""
    parser.allow_abbrev = False  # a file named --form cannot pass for --format
    repeated(
        parser,
        "--allow-outside",
        "PATH",
        "also read this file, or files under this folder, outside the allowed root "
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
