"""Shared pieces of the fuzz tests: example counts, the allowed outcomes, JSON strategies."""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import strategies as st

from trustsim.errors import InvalidPolicy
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_policy

#: Each fuzz test runs at least 2,000 examples in CI (issue 9); dev runs stay quick.
FUZZ_EXAMPLES = 2000 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 200

T = TypeVar("T")

KINDS = st.sampled_from(list(PolicyKind))

#: Text with everything a JSON string can carry once decoded: controls, non-ASCII, astral
#: characters and lone surrogates (a JSON text may escape them: ``"\ud800"``).
ANY_TEXT = st.text(st.characters(codec=None), max_size=40)

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities included: a decoded document may hold them
    | st.decimals(allow_nan=False).map(Decimal)
    | ANY_TEXT
)

#: Any decoded JSON value (dicts keep insertion order, like a JSON reader).
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4)
    ),
    max_leaves=25,
)


def parsed_or_refused(parse: Callable[[], Policy]) -> Policy | InvalidPolicy:
    """Run ``parse``; only a :class:`Policy` or an :class:`InvalidPolicy` may come out.

    A refusal must name at least one problem and render as text (the CLI prints it).
    """
    try:
        return parse()
    except InvalidPolicy as error:
        refusal = error
    assert refusal.problems, "an InvalidPolicy must name at least one problem"
    assert all(problem.code.isupper() for problem in refusal.problems)
    assert str(refusal).startswith("invalid policy")
    return refusal


def assert_round_trips(policy: Policy) -> None:
    """An accepted policy reads back from its canonical form unchanged."""
    assert parse_policy(policy.to_dict(), kind=policy.kind) == policy


def mutate_at(document: Any, path: tuple[Any, ...], change: Callable[[Any], Any]) -> Any:
    """A copy of ``document`` with the value at ``path`` replaced by ``change(value)``."""
    if not path:
        return change(document)
    head, *rest = path
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[head] = mutate_at(document[head], tuple(rest), change)
    return copy


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``document``, the document itself first."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += paths(value, (*prefix, index))
    return found


def key_paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """Every (path of an object, one of its keys)."""
    found: list[tuple[tuple[Any, ...], str]] = []
    if isinstance(document, dict):
        for key, value in document.items():
            found.append((prefix, key))
            found += key_paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += key_paths(value, (*prefix, index))
    return found
