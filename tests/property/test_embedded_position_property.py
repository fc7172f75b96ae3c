"""A policy carried as JSON text in a JSON string (Terraform's assume_role_policy): every
position inside it maps to the place in the file where that character is written, escapes,
newlines and characters outside the Basic Multilingual Plane included (trustsim.cli.discovery)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim.cli.discovery import embedded_position
from trustsim.loaders.json_text import read_json

pytestmark = pytest.mark.property

_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)),  # lone surrogates are not JSON text
    max_size=12,
)
_VALUES: st.SearchStrategy[Any] = st.recursive(
    _TEXT | st.integers() | st.booleans(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)


@given(
    document=st.dictionaries(_TEXT, _VALUES, max_size=4),
    inner_indent=st.sampled_from([None, 1, 2]),
    outer_indent=st.sampled_from([None, 2]),
    inner_ascii=st.booleans(),
    ascii_only=st.booleans(),
)
def test_every_inner_position_maps_to_its_character(
    document: dict[str, Any],
    inner_indent: int | None,
    outer_indent: int | None,
    inner_ascii: bool,
    ascii_only: bool,
) -> None:
    inner = json.dumps(document, indent=inner_indent, ensure_ascii=inner_ascii)
    outer = json.dumps({"before": [1, 2], "p": inner}, indent=outer_indent, ensure_ascii=ascii_only)
    outer_doc = read_json(outer)
    inner_lines = inner.split("\n")
    for pointer, position in read_json(inner).positions.items():
        found = embedded_position(outer, outer_doc.positions["/p"], position)
        assert found is not None, pointer
        written = outer.split("\n")[found.line - 1][found.column - 1 :]
        char = inner_lines[position.line - 1][position.column - 1]
        # The file holds the character as the outer json.dumps escaped it.
        escaped = json.dumps(char, ensure_ascii=ascii_only)[1:-1]
        assert written.startswith(escaped), (pointer, written[:20], escaped)
