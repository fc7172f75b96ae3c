"""A baseline: the findings a repository already has, so that only new ones fail a run.

``trustsim lint --write-baseline FILE PATHS…`` records every finding (file, role address,
code, JSON pointer — no line numbers, so edits elsewhere in a file keep it valid);
``--baseline FILE`` leaves those out. A finding recorded twice is left out twice, no more.

>>> entry = {"file": "a.json", "address": "", "code": "WILDCARD_ACTION", "pointer": "/Statement/0/Action"}
>>> _key(entry)
'a.json||WILDCARD_ACTION|/Statement/0/Action'
"""

from __future__ import annotations

import collections
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from trustsim import _files
from trustsim.cli.findings import Linted
from trustsim.errors import InvalidPolicy
from trustsim.loaders.json_text import read_json

__all__ = ["BASELINE_VERSION", "apply", "write"]

BASELINE_VERSION = 1


def _file(name: str) -> str:
    return "<stdin>" if name == "-" else Path(os.path.normpath(name)).as_posix()


def _key(entry: dict[str, Any]) -> str:
    return f"{entry['file']}|{entry['address']}|{entry['code']}|{entry['pointer']}"


def write(path: str, results: Sequence[Linted]) -> None:
    """Record every finding of ``results`` in the baseline file ``path``."""
    entries = [
        {
            "file": _file(result.name),
            "address": placed.address,
            "code": placed.finding.code,
            "pointer": placed.finding.pointer,
        }
        for result in results
        for placed in result.findings
    ]
    document = {"schema_version": BASELINE_VERSION, "findings": entries}
    Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def apply(path: str, results: Sequence[Linted]) -> list[Linted]:
    """``results`` without the findings the baseline file ``path`` records.

    Raises:
        OSError: the baseline cannot be read.
        ValueError: it is not a trustsim baseline.
    """
    data, _ = _files.read_named(path)
    try:
        value = read_json(data).value
    except InvalidPolicy as error:
        raise ValueError(f"{path} is not JSON: {error.problems[0].message}") from None
    findings = value.get("findings") if isinstance(value, dict) else None
    if (
        not isinstance(value, dict)
        or value.get("schema_version") != BASELINE_VERSION
        or not isinstance(findings, list)
        or not all(
            isinstance(e, dict)
            and all(isinstance(e.get(k), str) for k in ("file", "address", "code", "pointer"))
            for e in findings
        )
    ):
        raise ValueError(f"{path} is not a trustsim baseline (schema_version {BASELINE_VERSION})")
    known = collections.Counter(_key(entry) for entry in findings)
    kept: list[Linted] = []
    for result in results:
        remaining = []
        for placed in result.findings:
            key = placed.key(_file(result.name))
            if known[key] > 0:
                known[key] -= 1
            else:
                remaining.append(placed)
        kept.append(attrs.evolve(result, findings=tuple(remaining)))
    return kept
