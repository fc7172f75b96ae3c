"""The quick path of ``load_policy`` is the strict path, faster (issue 22).

``load_policy(text)`` reads with the standard library and builds statements directly; only a
problem sends it to the position-keeping reader and cattrs' detailed structuring. Here every
generated text — valid documents and documents broken in random places, with duplicate keys,
exponents, escapes and odd types — is parsed both ways: the same policy, or the same error
(class, problems, first problem, positions of every problem, rendered text).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.support.broken_policies import documents, write
from trustsim._structure import structure_policy
from trustsim.errors import InvalidPolicy
from trustsim.loaders import load_policy
from trustsim.loaders.json_text import canonical_bound, quick_value, read_json
from trustsim.model import PolicyKind, canonical_chars
from trustsim.parsing import clear_parse_caches, parse_document


def _strict(text: str) -> object:
    """What the position-keeping path alone makes of ``text``: a policy, or the error's facts."""
    try:
        read = read_json(text)
        return parse_document(
            read.value,
            kind=PolicyKind.TRUST,
            origin="<string>",
            text=read.text,
            positions=read.positions,
            problems=read.problems,
        )
    except InvalidPolicy as error:
        return _facts(error)


def _facts(error: InvalidPolicy) -> object:
    return (
        type(error),
        error.problems,
        error.first,
        {p.pointer: error.position_of(p.pointer) for p in error.problems},
        str(error),
    )


@given(documents(), st.sampled_from(["", " ", "\n  "]), st.booleans())
def test_the_quick_path_gives_what_the_strict_path_gives(
    document: Any, indent: str, ensure_ascii: bool
) -> None:
    text = write(document, indent, ensure_ascii)
    clear_parse_caches()
    try:
        found: object = load_policy(text)
    except InvalidPolicy as error:
        found = _facts(error)
    assert found == _strict(text)
    if not isinstance(found, tuple):
        assert found.origin == "<string>"  # type: ignore[attr-defined]


@given(documents(), st.sampled_from(["", " "]), st.booleans())
def test_the_size_bound_holds_for_every_quick_read_of_the_right_shape(
    document: Any, indent: str, ensure_ascii: bool
) -> None:
    text = write(document, indent, ensure_ascii)
    read, value = quick_value(text)
    if not read:
        return
    draft = structure_policy(value, kind=PolicyKind.TRUST, from_json=True)
    if draft.policy is not None and not draft.problems and not draft.skip:
        assert canonical_chars(draft.policy) <= canonical_bound(text)
        assert canonical_chars(draft.policy) <= canonical_bound(text.encode())
