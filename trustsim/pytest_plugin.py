"""The trustsim pytest plugin (entry point ``pytest11``: ``trustsim = "trustsim.pytest_plugin"``).

What it adds to a test run:

* a failing assertion over an :class:`~trustsim.decision.Outcome` — a bare
  ``assert outcome.allowed``, ``assert outcome.decision == Decision.ALLOW``,
  ``assert assume_role(run, role).denied`` — gets a ``trustsim explanation`` section in its
  report with the outcome's full explanation (which statement decided, which clause failed
  with both values); the outcomes are the ones the failing ``assert`` statement names, or the
  intermediate values pytest's assertion rewriting kept;
* ``pytest_assertrepr_compare`` turns a failed comparison of decisions or outcomes into a
  short summary (decision, reason, nearest failing clause) under the ``assert`` line;
* the fixtures :func:`trust_policy` and :func:`policy_file`, which load policy documents
  relative to the test file.

Loading the plugin imports nothing from trustsim beyond the package itself (and never
Hypothesis): everything else is imported when a hook or fixture first needs it, and the hooks
do nothing at all unless the test run has already imported :mod:`trustsim.decision`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from types import FrameType

    from trustsim.decision import Outcome
    from trustsim.model import Policy, PolicyKind

__all__ = [
    "policy_file",
    "pytest_assertrepr_compare",
    "pytest_runtest_makereport",
    "trust_policy",
]

_SECTION = "trustsim explanation"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# pytest's assertion rewriting keeps intermediate values in locals named like this.
_REWRITE_PREFIX = "@py_assert"


def _outcome_type() -> type[Outcome] | None:
    # Nothing can be an Outcome unless trustsim.decision has been imported: no import here.
    module = sys.modules.get("trustsim.decision")
    return None if module is None else module.Outcome


def _decision_type() -> type[Any] | None:
    module = sys.modules.get("trustsim.decision")
    return None if module is None else module.Decision


def _nearest_miss(outcome: Outcome) -> list[str]:
    explanation = outcome.explain()
    if explanation.failures:
        nearest = explanation.failures[0]
        lines = [f"nearest miss: {nearest.ref}"]
        lines += [f"  {line.strip()}" for line in nearest.lines(only_failures=True)[1:]]
        return lines
    return [f"decided by: {record.ref}" for record in explanation.determining]


def _summary(outcome: Outcome) -> list[str]:
    return [f"trustsim: {outcome.decision}: {outcome.reason}", *_nearest_miss(outcome)]


def _outcomes_with(decision: object, outcome_type: type[Outcome]) -> list[Outcome]:
    """Outcomes holding ``decision`` in the frames of the assertion being explained."""
    frame: FrameType | None = sys._getframe(1)
    for _ in range(50):
        if frame is None:
            break
        names = frame.f_locals
        if any(name.startswith(_REWRITE_PREFIX) for name in names):
            found = {
                id(value): value
                for value in names.values()
                if isinstance(value, outcome_type) and value.decision is decision
            }
            return list(found.values())
        frame = frame.f_back
    return []


def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: object, right: object
) -> list[str] | None:
    """Explain a failed ``==`` between decisions or outcomes in a few lines.

    ``assert outcome.decision == Decision.ALLOW`` prints the decision, the reason and the
    nearest failing clause (or the deciding statement); the full explanation follows in the
    report's ``trustsim explanation`` section, which pytest does not truncate.
    """
    del config
    outcome_type, decision_type = _outcome_type(), _decision_type()
    if outcome_type is None or decision_type is None or op not in ("==", "!="):
        return None
    if isinstance(left, outcome_type) and isinstance(right, outcome_type):
        return [
            f"{left!r} {op} {right!r}",
            f"left: {left.decision} ({left.side}), right: {right.decision} ({right.side})",
            *_summary(left),
        ]
    if isinstance(left, outcome_type) or isinstance(right, outcome_type):
        shown = left if isinstance(left, outcome_type) else right
        assert isinstance(shown, outcome_type)  # noqa: S101 - narrows for the type checker
        return [
            f"{left!r} {op} {right!r}",
            "an Outcome is never equal to anything but an Outcome: compare outcome.decision, "
            "or use outcome.allowed / outcome.denied",
            *_summary(shown),
        ]
    if isinstance(left, decision_type) and isinstance(right, decision_type):
        lines = [f"{left} {op} {right}"]
        candidates = _outcomes_with(left, outcome_type)
        if len(candidates) == 1:
            lines += _summary(candidates[0])
        return lines
    return None


def _named_in(statement: str) -> set[str]:
    return set(_IDENTIFIER.findall(statement))


def _failing_outcomes(
    excinfo: pytest.ExceptionInfo[BaseException],
) -> Iterator[tuple[str, Outcome]]:
    outcome_type = _outcome_type()
    if outcome_type is None or getattr(excinfo.value, "trustsim_explained", False):
        return
    entry = excinfo.traceback[-1]
    try:
        statement = str(entry.statement)
    except Exception:  # no source to read (exec'd code): only rewritten values count
        statement = ""
    named = _named_in(statement)
    seen: set[int] = set()
    for name, value in entry.frame.f_locals.items():
        if not isinstance(value, outcome_type) or id(value) in seen:
            continue
        if name.startswith(_REWRITE_PREFIX) or name in named:
            seen.add(id(value))
            yield name, value


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add a ``trustsim explanation`` section to a failed assertion about an outcome."""
    report = yield
    excinfo = call.excinfo
    if report.failed and excinfo is not None and excinfo.errisinstance(AssertionError):
        found = list(_failing_outcomes(excinfo))
        for name, outcome in found:
            plain = len(found) == 1 or name.startswith(_REWRITE_PREFIX)
            title = _SECTION if plain else f"{_SECTION} of {name}"
            try:
                text = outcome.explain().to_text()
            except Exception as error:  # a report hook must not crash the test run
                text = f"{outcome!r}\n(could not explain it: {type(error).__name__}: {error})"
            _add_section(report, title, text)
    return report


def _add_section(report: pytest.TestReport, title: str, text: str) -> None:
    # Part of the failure itself (printed under the traceback whatever --show-capture says);
    # a plain report section when the traceback is not a structured one.
    add = getattr(report.longrepr, "addsection", None)
    if callable(add):
        add(title, text)
    else:
        report.sections.append((title, text))


def _loader(request: pytest.FixtureRequest, default_kind: str) -> Callable[..., Policy]:
    base = Path(request.path).parent

    def load(path: str | Path, *, kind: PolicyKind | str = default_kind) -> Policy:
        from trustsim.loaders import load_policy  # noqa: PLC0415 - the plugin loads lazily

        return load_policy(base / path, kind=kind)

    return load


@pytest.fixture
def trust_policy(request: pytest.FixtureRequest) -> Callable[..., Policy]:
    """Load a role trust policy from a JSON file, relative to the test file's folder.

    ``trust_policy("deploy-trust.json")`` reads ``<folder of the test>/deploy-trust.json``
    (an absolute path is used as it is) and returns a :class:`~trustsim.model.Policy`;
    a document AWS would refuse raises :class:`~trustsim.errors.InvalidPolicy` with line
    and column.
    """
    return _loader(request, "trust")


@pytest.fixture
def policy_file(request: pytest.FixtureRequest) -> Callable[..., Policy]:
    """Load a policy document of any kind, relative to the test file's folder.

    ``policy_file("ci-user.json", kind="identity")``; ``kind`` is a
    :class:`~trustsim.model.PolicyKind` or its value (``"identity"``, ``"permissions-boundary"``,
    ``"session"``, ``"scp"``, ``"rcp"``, ``"trust"``) and defaults to ``"identity"``.
    """
    return _loader(request, "identity")


@pytest.fixture
def moto_trust() -> Iterator[None]:
    """Moto's STS decides assume calls with trustsim for the test (docs/moto.md).

    Needs moto (``pip install 'trustsim[moto]'``); imported only when a test asks for it.
    """
    from trustsim.moto import enforcing  # noqa: PLC0415 - moto is an optional extra

    with enforcing():
        yield
