"""Options several commands share: output format, inputs of many kinds, the read boundary.

>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> format_option(parser, "sarif")
>>> parser.parse_args(["--format", "sarif"]).format
'sarif'
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from trustsim import _files
from trustsim.caller_specs import CALLER_SPEC_FORMS
from trustsim.cli import discovery

__all__ = [
    "Handler",
    "command",
    "format_option",
    "input_options",
    "leaf_parsers",
    "paths_argument",
    "repeated",
    "safety_options",
]

#: A command: its parsed arguments and the stream to print to → its exit status.
Handler = Callable[[argparse.Namespace, TextIO], int]


def command(
    commands: Any, name: str, summary: str, description: str, *, caller_specs: bool = False
) -> argparse.ArgumentParser:
    """A command's parser; with ``caller_specs``, the forms of ``--caller`` close its help."""
    if not caller_specs:
        parser: argparse.ArgumentParser = commands.add_parser(
            name, help=summary, description=description
        )
        return parser
    return commands.add_parser(  # type: ignore[no-any-return]
        name,
        help=summary,
        description=description,
        epilog="caller specs:\n  " + "\n  ".join(CALLER_SPEC_FORMS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def paths_argument(parser: argparse.ArgumentParser, metavar: str, what: str) -> None:
    """The files (and folders) a command reads: one or more, ``-`` for standard input."""
    parser.add_argument("files", nargs="+", metavar=metavar, help=f"{what} ('-' for stdin)")


def repeated(
    parser: argparse.ArgumentParser, option: str, metavar: str, what: str, dest: str | None = None
) -> None:
    """An option given any number of times, gathered in a list (empty when not given)."""
    parser.add_argument(option, action="append", default=[], metavar=metavar, help=what, dest=dest)


def format_option(parser: argparse.ArgumentParser, *extra: str) -> None:
    """``--format text|json`` (and ``extra`` formats), text by default."""
    parser.add_argument(
        "--format",
        choices=["text", "json", *extra],
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
    if not re.fullmatch(r"\d{12}", text):
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
