"""``trustsim lint``'s reports: text, JSON (``schema_version`` 1) and SARIF 2.1.0 (docs/ci.md).

>>> lint_json([])["schema_version"]
1
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from trustsim import __version__
from trustsim.cli import discovery
from trustsim.cli.findings import Linted
from trustsim.cli.output import label, plural, sarif_log, sarif_uri
from trustsim.errors import InvalidPolicy, Position, escape
from trustsim.lint import RULES, Severity

__all__ = [
    "JSON_SCHEMA_VERSION",
    "lint_json",
    "lint_text",
    "not_read",
    "problem_dicts",
    "sarif",
    "sarif_rule",
]

#: The ``schema_version`` of ``trustsim lint --format json`` (docs/ci.md; the JSON Schema is
#: trustsim/schemas/lint-report.schema.json).
JSON_SCHEMA_VERSION = 1


def _place(position: Position | None) -> str:
    return f":{position.line}:{position.column}" if position else ""


def not_read(loaded: discovery.Loaded) -> str | None:
    """Why a file was skipped or could not be read, as a line; ``None`` when it was read."""
    if loaded.skipped is not None:
        return f"{label(loaded.name)}: skipped: {escape(loaded.skipped)}"
    if loaded.unreadable is not None:
        verb = "refused" if loaded.refused else "cannot read the file"
        return f"{label(loaded.name)}: {verb}: {escape(loaded.unreadable)}"
    return None


def lint_text(results: Sequence[Linted]) -> str:
    """The text report: one block per finding, a line per file without findings, a total."""
    lines: list[str] = []
    counts: dict[str, int] = {}
    for result in results:
        name, loaded = label(result.name), result.loaded
        unused = not_read(loaded)
        if unused is not None:
            lines.append(unused)
            continue
        if loaded.invalid is not None:
            lines.append(str(loaded.invalid))
            counts["error"] = counts.get("error", 0) + len(loaded.invalid.problems)
            continue
        lines += [f"{name}: note: {escape(note)}" for note in result.notes]
        if not result.findings:
            roles = len(loaded.sources)
            what = "" if loaded.kind == "policy" else f" ({plural(roles, 'role')})"
            lines.append(f"{name}: no findings{what}")
        for placed in result.findings:
            finding = placed.finding
            where = f"{escape(placed.address)} " if placed.address else ""
            pointer = escape(finding.pointer) or "(document)"
            lines.append(
                f"{name}{_place(finding.position)}: {finding.severity} {finding.code} "
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
        lines.append(f"{plural(total, 'finding')} ({parts})")
    elif len(results) != 1:
        linted = sum(r.loaded.skipped is None for r in results)
        lines.append(f"no findings in {plural(linted, 'file')}")
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
        uri = sarif_uri(result.name)
        if loaded.unreadable is not None:
            notes.append(
                {
                    "level": "error",
                    "message": {"text": f"{label(result.name)}: cannot read: {loaded.unreadable}"},
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
    rule_list = [sarif_rule(code, docs_url) for code in ordered]
    return sarif_log(rule_list, found, notes, successful=not notes)
