"""``trustsim lint`` over files and folders: findings at ``file:line:column``, text, JSON, SARIF.

Each argument is a file or a directory (:mod:`trustsim._discovery`); each trust policy found
is linted with the role's ARN when the file or the options tell it, and every finding is placed
at the file, the role's address (template resource, cdk construct path, Terraform address,
role ARN) and the line and column of the offending value. Configuration, inline suppressions
and the baseline (:mod:`trustsim._config`, :mod:`trustsim._baseline`) leave findings out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs

from trustsim import __version__, _baseline, _config, _discovery, _pointer
from trustsim.arn import Arn
from trustsim.errors import InvalidPolicy, Position, escape
from trustsim.lint import RULES, Finding, Severity, lint
from trustsim.loaders.json_text import read_json

__all__ = ["JSON_SCHEMA_VERSION", "Linted", "Placed", "add_input_options", "lint_files", "run"]

#: The ``schema_version`` of ``trustsim lint --format json`` (docs/ci.md; the JSON Schema is
#: trustsim/schemas/lint-report.schema.json).
JSON_SCHEMA_VERSION = 1


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """The options of commands reading files and folders of many kinds (lint, validate)."""
    parser.add_argument(
        "--format-in",
        choices=_discovery.FORMATS,
        metavar="KIND",
        help="read every file as this kind instead of telling it from the content: "
        + ", ".join(_discovery.FORMATS),
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


@attrs.frozen
class Placed:
    """A finding at its place: the role's address, and the finding with its file position."""

    address: str
    finding: Finding
    file_pointer: str

    def key(self, file: str) -> str:
        """What the baseline remembers: file, address, code and pointer (no line numbers)."""
        return f"{file}|{self.address}|{self.finding.code}|{self.finding.pointer}"


@attrs.frozen
class Linted:
    """One file: what discovery found in it, and its findings."""

    loaded: _discovery.Loaded
    findings: tuple[Placed, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The file's name as given or found."""
        return self.loaded.name


def _role_arn_for(
    source: _discovery.TrustSource, options: argparse.Namespace, settings: _config.Settings
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


def _account_of(options: argparse.Namespace, settings: _config.Settings) -> str | None:
    """The templates' ``AWS::AccountId``: --account-id, else the account of the role ARN given."""
    if options.account_id is not None:
        return str(options.account_id)
    given = options.role_arn or settings.role_arn
    arn = Arn.try_parse(given) if given else None
    return arn.account if arn is not None and arn.account else None


def lint_files(options: argparse.Namespace, settings: _config.Settings) -> list[Linted]:
    """Lint every file of ``options.files`` (files and folders)."""
    results: list[Linted] = []
    progress = _Progress(sys.stderr)
    for found in _discovery.candidates(options.files):
        progress.step(found.name)
        candidate = attrs.evolve(found, explicit=False) if options.skip_unknown else found
        if settings.path_ignored(candidate.name):
            continue
        loaded = _discovery.load(
            candidate,
            format_in=options.format_in,
            stack_id=options.stack_id,
            account_id=_account_of(options, settings),
        )
        results.append(_lint_loaded(loaded, options, settings))
    progress.done()
    return results


class _Progress:
    """``N files…`` on standard error while folders are read, when it is a terminal only.

    Silent when standard error is a file or a pipe (CI logs), and for short runs; no colour.
    """

    EVERY = 25

    def __init__(self, stream: TextIO) -> None:
        # Past the CLI's escaping wrapper: the carriage return and the erase are ours; the
        # file name is escaped here.
        self.stream: TextIO = getattr(stream, "stream", stream)
        self.active = bool(getattr(self.stream, "isatty", lambda: False)())
        self.count = 0
        self.shown = False

    def step(self, name: str) -> None:
        self.count += 1
        if self.active and self.count % self.EVERY == 0:
            self.stream.write(f"\rtrustsim: {self.count} files read ({escape(name)[-60:]})\x1b[K")
            self.stream.flush()
            self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _lint_loaded(
    loaded: _discovery.Loaded, options: argparse.Namespace, settings: _config.Settings
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

    def __init__(self, loaded: _discovery.Loaded) -> None:
        self.loaded = loaded
        self.document: Any = None
        self.inner: dict[str, Mapping[str, Position]] = {}

    def place(self, at_pointer: str, pointer: str) -> Position | None:
        positions = self.loaded.positions
        at = positions.get(at_pointer)
        json_text = self.loaded.text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")
        embedded = at_pointer and at_pointer + "/Statement" not in positions
        if json_text and embedded and at is not None:  # (a YAML string keeps its own place)
            spot = _discovery.position_at(self._inner(at_pointer), pointer)
            if spot is not None:
                found = _discovery.embedded_position(self.loaded.text, at, spot)
                if found is not None:
                    return found
        return _discovery.position_at(positions, at_pointer + pointer)

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


def run(options: argparse.Namespace, out: TextIO) -> int:
    """``trustsim lint``: print the report; 0 clean, 1 findings at or above the threshold, 2."""
    try:
        settings = _config.load(options)
    except _config.ConfigError as error:
        print(f"trustsim lint: error: {error}", file=sys.stderr)
        return 2
    unknown = sorted((frozenset(options.ignore) | settings.ignore) - set(RULES))
    if unknown:
        print(f"trustsim lint: error: unknown finding code {unknown[0]!r}", file=sys.stderr)
        return 2
    if options.stack_id is not None:
        _discovery.check_stack_id(options.stack_id)  # InvalidPolicy: a usage error (cli.py)
    settings = attrs.evolve(settings, ignore=settings.ignore | frozenset(options.ignore))
    results = lint_files(options, settings)
    if options.write_baseline is not None:
        _baseline.write(options.write_baseline, results)
        count = sum(len(r.findings) for r in results)
        print(f"wrote {count} finding(s) to the baseline {options.write_baseline}", file=sys.stderr)
        return 0
    if options.baseline is not None:
        try:
            results = _baseline.apply(options.baseline, results)
        except (OSError, ValueError) as error:
            print(f"trustsim lint: error: --baseline: {error}", file=sys.stderr)
            return 2
    fail_on = Severity(options.fail_on or settings.fail_on or Severity.SECURITY_WARNING.value)
    if options.format == "json":
        print(json.dumps(lint_json(results), indent=2), file=out)
    elif options.format == "sarif":
        print(json.dumps(sarif(results, settings.docs_url), indent=2), file=out)
    else:
        print(lint_text(results), file=out)
    if any(r.loaded.unreadable is not None for r in results):
        return 2
    failing = any(
        r.loaded.invalid is not None or any(p.finding.severity >= fail_on for p in r.findings)
        for r in results
    )
    return 1 if failing else 0


def _label(name: str) -> str:
    return "<stdin>" if name == "-" else escape(name)


def _place(position: Position | None) -> str:
    return f":{position.line}:{position.column}" if position else ""


def lint_text(results: Sequence[Linted]) -> str:
    """The text report: one block per finding, a line per file without findings, a total."""
    lines: list[str] = []
    counts: dict[str, int] = {}
    for result in results:
        label, loaded = _label(result.name), result.loaded
        if loaded.skipped is not None:
            lines.append(f"{label}: skipped: {escape(loaded.skipped)}")
            continue
        if loaded.unreadable is not None:
            verb = "refused" if loaded.refused else "cannot read the file"
            lines.append(f"{label}: {verb}: {escape(loaded.unreadable)}")
            continue
        if loaded.invalid is not None:
            lines.append(str(loaded.invalid))
            counts["error"] = counts.get("error", 0) + len(loaded.invalid.problems)
            continue
        lines += [f"{label}: note: {escape(note)}" for note in result.notes]
        if not result.findings:
            roles = len(loaded.sources)
            what = "" if loaded.kind == "policy" else f" ({roles} role{'s' * (roles != 1)})"
            lines.append(f"{label}: no findings{what}")
        for placed in result.findings:
            finding = placed.finding
            where = f"{escape(placed.address)} " if placed.address else ""
            pointer = escape(finding.pointer) or "(document)"
            lines.append(
                f"{label}{_place(finding.position)}: {finding.severity} {finding.code} "
                f"{where}{pointer}"
            )
            lines.append(f"  {escape(finding.message)}")
            lines.append(f"  fix: {escape(finding.fix)}")
            if finding.witness is not None:
                lines.append(f"  witness: {escape(str(finding.witness))}")
            counts[finding.severity.value] = counts.get(finding.severity.value, 0) + 1
    total = sum(counts.values())
    if total:
        parts = ", ".join(f"{counts[s.value]} {s.value}" for s in Severity if counts.get(s.value))
        lines.append(f"{total} finding{'s' if total != 1 else ''} ({parts})")
    elif len(results) != 1:
        linted = sum(r.loaded.skipped is None for r in results)
        lines.append(f"no findings in {linted} file{'s' * (linted != 1)}")
    return "\n".join(lines)


def problem_dicts(error: InvalidPolicy) -> list[dict[str, Any]]:
    """The problems of an invalid document, each with its line and column."""
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


def lint_json(results: Sequence[Linted]) -> dict[str, Any]:
    """The JSON report (``schema_version`` 1; trustsim/schemas/lint-report.schema.json)."""
    files: list[dict[str, Any]] = []
    for result in results:
        loaded = result.loaded
        entry: dict[str, Any] = {"file": result.name}
        if loaded.kind is not None:
            entry["kind"] = loaded.kind
        if loaded.skipped is not None:
            entry["skipped"] = loaded.skipped
        elif loaded.unreadable is not None:
            entry["error"] = loaded.unreadable
        elif loaded.invalid is not None:
            entry["valid"] = False
            entry["problems"] = problem_dicts(loaded.invalid)
        else:
            entry["valid"] = True
            entry["roles"] = [source.address for source in loaded.sources]
            entry["notes"] = list(result.notes)
            entry["findings"] = [
                {**p.finding.to_dict(), "address": p.address, "file_pointer": p.file_pointer}
                for p in result.findings
            ]
        files.append(entry)
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": f"trustsim {__version__}",
        "files": files,
    }


# --- SARIF 2.1.0 -------------------------------------------------------------------------

_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVELS = {
    Severity.ERROR: "error",
    Severity.SECURITY_WARNING: "error",
    Severity.WARNING: "warning",
    Severity.SUGGESTION: "note",
}


def sarif_rule(code: str, docs_url: str | None = None) -> dict[str, Any]:
    """One SARIF ``reportingDescriptor``: title, help text and the docs anchor of the code.

    ``helpUri`` only with ``docs_url`` (the configuration's ``docs-url``: where the user
    publishes trustsim's docs/ folder): the project has no public home to link to.

    >>> sarif_rule("WILDCARD_ACTION")["help"]["text"].endswith(
    ...     "docs/lint.md#wildcard_action in trustsim's documentation.")
    True
    >>> sarif_rule("WILDCARD_ACTION", "https://docs.example.com/trustsim/")["helpUri"]
    'https://docs.example.com/trustsim/lint.md#wildcard_action'
    """
    rule = RULES.get(code)
    if rule is None:  # a Problem code: AWS refuses the policy (docs/errors.md)
        title = f"AWS refuses the policy ({code})"
        severity, score = Severity.ERROR, "5.0"
        page = "errors.md"
        help_text = f"{title}: IAM would not save this document."
    else:
        title, severity, score = rule.title, rule.severity, rule.security_severity
        page = "lint.md"
        help_text = f"{title}. Each code of docs/lint.md has a bad and a fixed example."
    anchor = f"{page}#{code.lower()}"
    help_uri = None if docs_url is None else docs_url + anchor
    descriptor: dict[str, Any] = {
        "id": code,
        "name": "".join(part.capitalize() for part in code.split("_")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "help": {
            "text": f"{help_text} See docs/{anchor} in trustsim's documentation.",
            "markdown": f"{title}. [docs/{anchor}]({help_uri})"
            if help_uri
            else f"{title}. See `docs/{anchor}` in trustsim's documentation.",
        },
    }
    if help_uri is not None:
        descriptor["helpUri"] = help_uri
    return descriptor | {
        "defaultConfiguration": {"level": _SARIF_LEVELS[severity]},
        "properties": {
            "tags": ["security", "aws-iam", "trust-policy"],
            "security-severity": score,
            "trustsim-severity": severity.value,
        },
    }


def _sarif_result(
    code: str,
    *,
    rules: dict[str, int],
    level: str,
    message: str,
    uri: str,
    pointer: str,
    address: str,
    position: Position | None,
    properties: dict[str, Any],
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if position is not None:
        physical["region"] = {"startLine": position.line, "startColumn": position.column}
    fingerprint = hashlib.sha256(f"{code}|{uri}|{address}|{pointer}".encode()).hexdigest()[:32]
    logical = [{"fullyQualifiedName": pointer or "/", "kind": "object"}]
    if address:
        logical.insert(0, {"fullyQualifiedName": address, "kind": "resource"})
    return {
        "ruleId": code,
        "ruleIndex": rules[code],
        "level": level,
        "message": {"text": message},
        "locations": [{"physicalLocation": physical, "logicalLocations": logical}],
        "partialFingerprints": {"trustsimFinding/v1": fingerprint},
        "properties": {"pointer": pointer, "address": address, **properties},
    }


def sarif_uri(name: str) -> str:
    """A file name as an RFC 3986 URI reference, for SARIF's ``artifactLocation.uri``.

    Every byte outside the path characters (``%``, ``#``, ``?``, space, controls, non-ASCII
    as UTF-8) is percent-encoded.

    >>> sarif_uri("policies/x#y p%41.json")
    'policies/x%23y%20p%2541.json'
    >>> sarif_uri("a:b.json")
    'a%3Ab.json'
    """
    # pchar minus ":" (a colon in the first segment would read as a scheme).
    return urllib.parse.quote(Path(name).as_posix(), safe="/-._~!$&'()*+,;=@")


def sarif(results: Sequence[Linted], docs_url: str | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one run: rules with help, one result per finding.

    Rules carry ``helpUri`` when ``docs_url`` says where the docs are published.
    """
    codes: list[str] = []
    for result in results:
        codes += [p.finding.code for p in result.findings]
        invalid = result.loaded.invalid
        codes += [p.code for p in invalid.problems] if invalid else []
    ordered = [code for code in RULES if code in codes]
    ordered += sorted({code for code in codes if code not in RULES})
    rules = {code: index for index, code in enumerate(ordered)}
    found: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for result in results:
        loaded = result.loaded
        uri = "stdin" if result.name == "-" else sarif_uri(result.name)
        if loaded.unreadable is not None:
            notes.append(
                {
                    "level": "error",
                    "message": {"text": f"{_label(result.name)}: cannot read: {loaded.unreadable}"},
                }
            )
        if loaded.invalid is not None:
            invalid = loaded.invalid
            found += [
                _sarif_result(
                    problem.code,
                    rules=rules,
                    level="error",
                    message=problem.message,
                    uri=uri,
                    pointer=problem.pointer,
                    address="",
                    position=invalid.position_of(problem.pointer),
                    properties={"aws_says": problem.aws_says},
                )
                for problem in invalid.problems
            ]
        for placed in result.findings:
            finding = placed.finding
            text = f"{finding.message}. Fix: {finding.fix}"
            if placed.address:
                text = f"{placed.address}: {text}"
            extra: dict[str, Any] = {"fix": finding.fix}
            if finding.witness is not None:
                text += f". Witness: {finding.witness}"
                extra["witness"] = finding.witness.to_dict()
            found.append(
                _sarif_result(
                    finding.code,
                    rules=rules,
                    level=_SARIF_LEVELS[finding.severity],
                    message=text,
                    uri=uri,
                    pointer=finding.pointer,
                    address=placed.address,
                    position=finding.position,
                    properties=extra,
                )
            )
    return {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "trustsim",
                        "version": __version__,
                        "rules": [sarif_rule(code, docs_url) for code in ordered],
                    }
                },
                "invocations": [
                    {"executionSuccessful": not notes, "toolExecutionNotifications": notes}
                ],
                "results": found,
            }
        ],
    }
