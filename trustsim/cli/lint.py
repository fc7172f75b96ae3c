"""``trustsim lint`` over files and folders: findings at ``file:line:column``, text, JSON, SARIF.

Each argument is a file or a directory (:mod:`trustsim.cli.discovery`); each trust policy
found is linted with the role's ARN when the file or the options tell it, and every finding is
placed at the file, the role's address (template resource, cdk construct path, Terraform
address, role ARN) and the line and column of the offending value. Configuration, inline
suppressions and the baseline (:mod:`trustsim.cli.config`, :mod:`trustsim.cli.baseline`)
leave findings out; :mod:`trustsim.cli.reports` writes the report. Exit status: 0 no finding
at or above ``--fail-on``, 1 some, 2 unreadable file or unusable option.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import Any, TextIO

import attrs

from trustsim import _pointer
from trustsim.arn import Arn
from trustsim.callers import InvalidCaller
from trustsim.cli import baseline, config, discovery
from trustsim.cli.findings import Linted, Placed
from trustsim.cli.options import (
    TEXT_OR_JSON,
    Command,
    input_options,
    paths_argument,
    repeated,
    role_arn_option,
)
from trustsim.cli.output import EXIT_USAGE, StatusLine, report
from trustsim.cli.reports import lint_json, lint_text, sarif
from trustsim.errors import InvalidPolicy, Position, escape
from trustsim.lint import RULES, Severity, lint
from trustsim.loaders.json_text import read_json

__all__ = ["COMMANDS", "lint_files", "run"]


def _arguments(lint: argparse.ArgumentParser) -> None:
    paths_argument(
        lint,
        "PATH",
        "trust policies, CloudFormation templates, cdk.out, Terraform plans, account dumps, "
        "or folders of them",
    )
    lint.add_argument(
        "--fail-on",
        choices=[severity.value for severity in Severity],
        default=None,
        help="the least severity that makes the exit status 1 (default: the configuration's "
        "fail-on, else security_warning)",
    )
    role_arn_option(
        lint, "the role's ARN: its account is the role's own, every other is another account"
    )
    repeated(lint, "--ignore", "CODE", "leave out findings with this code (repeat for several)")
    input_options(lint)
    _ci_options(lint)


def _ci_options(lint: argparse.ArgumentParser) -> None:
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


def run(options: argparse.Namespace, out: TextIO) -> int:
    """``trustsim lint``: print the report; 0 clean, 1 findings at or above the threshold, 2."""
    try:
        return _run(options, out)
    except InvalidCaller as error:  # --role-arn or a configured role ARN
        print(f"trustsim lint: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except InvalidPolicy as error:  # --stack-id
        print(f"trustsim lint: error: {error.problems[0].message}", file=sys.stderr)
        return EXIT_USAGE


def _run(options: argparse.Namespace, out: TextIO) -> int:
    try:
        settings = config.load(options)
    except config.ConfigError as error:
        print(f"trustsim lint: error: {error}", file=sys.stderr)
        return 2
    unknown = sorted((frozenset(options.ignore) | settings.ignore) - set(RULES))
    if unknown:
        print(f"trustsim lint: error: unknown finding code {unknown[0]!r}", file=sys.stderr)
        return 2
    if options.stack_id is not None:
        discovery.check_stack_id(options.stack_id)  # InvalidPolicy: a usage error (run)
    settings = attrs.evolve(settings, ignore=settings.ignore | frozenset(options.ignore))
    results = lint_files(options, settings)
    if options.write_baseline is not None:
        baseline.write(options.write_baseline, results)
        count = sum(len(r.findings) for r in results)
        print(f"wrote {count} finding(s) to the baseline {options.write_baseline}", file=sys.stderr)
        return 0
    if options.baseline is not None:
        try:
            results = baseline.apply(options.baseline, results)
        except (OSError, ValueError) as error:
            print(f"trustsim lint: error: --baseline: {error}", file=sys.stderr)
            return 2
    fail_on = Severity(options.fail_on or settings.fail_on or Severity.SECURITY_WARNING.value)
    renderers: dict[str, Callable[[], object]] = {
        "text": lambda: lint_text(results),
        "json": lambda: lint_json(results),
        "sarif": lambda: sarif(results, settings.docs_url),
    }
    report(out, options.format, renderers)
    if any(r.loaded.unreadable is not None for r in results):
        return 2
    failing = any(
        r.loaded.invalid is not None or any(p.finding.severity >= fail_on for p in r.findings)
        for r in results
    )
    return 1 if failing else 0


COMMANDS: tuple[Command, ...] = (
    Command(
        "lint",
        "find the trust-policy mistakes that get roles taken over",
        "Lint role trust policies (docs/lint.md). Breadth findings come with a "
        "witness: a caller the evaluator allows. Exit status: 0 no finding at or above "
        "--fail-on, 1 some (a policy AWS would refuse counts as errors), 2 unreadable file.",
        _arguments,
        formats=(*TEXT_OR_JSON, "sarif"),
    ),
)


def _role_arn_for(
    source: discovery.TrustSource, options: argparse.Namespace, settings: config.Settings
) -> str | None:
    if source.role_arn is not None:
        return source.role_arn
    if options.role_arn is not None:
        return str(options.role_arn)
    configured = settings.role_arn_for(source.address)
    if configured is not None:
        return configured
    if source.fallback_arn is not None:
        return source.fallback_arn
    if options.account_id is not None:
        return f"arn:aws:iam::{options.account_id}:role/trustsim-role"
    return None


def _account_of(options: argparse.Namespace, settings: config.Settings) -> str | None:
    """The templates' ``AWS::AccountId``: --account-id, else the account of the role ARN given."""
    if options.account_id is not None:
        return str(options.account_id)
    given = options.role_arn or settings.role_arn
    arn = Arn.try_parse(given) if given else None
    return arn.account if arn is not None and arn.account else None


def lint_files(options: argparse.Namespace, settings: config.Settings) -> list[Linted]:
    """Lint every file of ``options.files`` (files and folders)."""
    results: list[Linted] = []
    progress = _Progress(sys.stderr)
    for found in discovery.candidates(options.files):
        progress.step(found.name)
        candidate = attrs.evolve(found, explicit=False) if options.skip_unknown else found
        if settings.path_ignored(candidate.name):
            continue
        loaded = discovery.load(
            candidate,
            format_in=options.format_in,
            stack_id=options.stack_id,
            account_id=_account_of(options, settings),
        )
        results.append(_lint_loaded(loaded, options, settings))
    progress.line.clear()
    return results


class _Progress:
    """``N files read (name)`` on standard error while folders are read, on a terminal only."""

    EVERY = 25

    def __init__(self, stream: TextIO) -> None:
        self.line = StatusLine(stream)
        self.count = 0

    def step(self, name: str) -> None:
        self.count += 1
        if self.count % self.EVERY == 0:
            self.line.show(f"{self.count} files read ({escape(name)[-60:]})")


def _lint_loaded(
    loaded: discovery.Loaded, options: argparse.Namespace, settings: config.Settings
) -> Linted:
    placed: list[Placed] = []
    notes: list[str] = []
    placer = _Placer(loaded)
    for source in loaded.sources:
        if source.policy is None:
            notes.append(f"{source.address}: {source.unknown}")
            continue
        skip = settings.ignore | settings.suppressed(source.address) | source.suppressed
        for finding in lint(source.policy, role_arn=_role_arn_for(source, options, settings)):
            if finding.code in skip:
                continue
            pointer = source.pointer + finding.pointer
            position = placer.place(source.pointer, finding.pointer)
            placed.append(Placed(source.address, attrs.evolve(finding, position=position), pointer))
    return Linted(loaded, tuple(placed), tuple(notes))


class _Placer:
    """File positions of findings, inside a policy carried as JSON text in a JSON string too.

    The file's document and each embedded policy's positions are read once per file.
    """

    def __init__(self, loaded: discovery.Loaded) -> None:
        self.loaded = loaded
        self.document: Any = None
        self.inner: dict[str, Mapping[str, Position]] = {}

    def place(self, at_pointer: str, pointer: str) -> Position | None:
        positions = self.loaded.positions
        at = positions.get(at_pointer)
        json_text = self.loaded.text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")
        embedded = at_pointer and at_pointer + "/Statement" not in positions
        if json_text and embedded and at is not None:  # (a YAML string keeps its own place)
            spot = discovery.position_at(self._inner(at_pointer), pointer)
            if spot is not None:
                found = discovery.embedded_position(self.loaded.text, at, spot)
                if found is not None:
                    return found
        return discovery.position_at(positions, at_pointer + pointer)

    def _inner(self, at_pointer: str) -> Mapping[str, Position]:
        if at_pointer not in self.inner:
            if self.document is None:
                self.document = read_json(self.loaded.text).value
            value = self.document
            for token in _pointer.split(at_pointer):
                value = value[int(token)] if isinstance(value, list) else value[token]
            # URL-encoded, as the raw IAM API returns it: the string's own place.
            embedded = isinstance(value, str) and value.lstrip().startswith("{")
            self.inner[at_pointer] = read_json(value).positions if embedded else {}
        return self.inner[at_pointer]
