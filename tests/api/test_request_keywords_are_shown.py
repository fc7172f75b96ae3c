"""help() and inspect.signature show the request doors' options as the keywords they are.

The doors take ``**options: Unpack[RequestOptions]`` (one list of options, typed for mypy);
their ``__signature__`` spells each option out, so a reader of ``help(ts.assume_role)``, an
IDE or docs/api.md sees every keyword and its default.
"""

from __future__ import annotations

import inspect
import pydoc
import typing
from collections.abc import Callable

import pytest

import trustsim as ts
from trustsim.requests import ContextOptions, RequestOptions

_DOORS: list[tuple[Callable[..., object], type, list[str]]] = [
    (ts.build_request, RequestOptions, ["caller", "role"]),
    (ts.assume_role, RequestOptions, ["caller", "role"]),
    (ts.check_action, ContextOptions, ["caller", "role", "action"]),
]


@pytest.mark.parametrize(("door", "options", "positional"), _DOORS, ids=lambda d: str(d)[:20])
def test_every_option_is_a_keyword_defaulting_to_none(
    door: Callable[..., object], options: type, positional: list[str]
) -> None:
    parameters = inspect.signature(door).parameters
    assert list(parameters) == [*positional, *typing.get_type_hints(options)]
    for name in typing.get_type_hints(options):
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert parameters[name].default is None, name
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def test_help_shows_the_keywords_with_their_types() -> None:
    text = pydoc.render_doc(ts.assume_role, renderer=pydoc.plaintext)
    assert "external_id: 'str | None' = None" in text
    assert "tags: 'Mapping[str, str] | None' = None" in text
    assert "**options" not in text


def test_check_action_takes_every_option_but_the_action_as_a_keyword() -> None:
    assert set(typing.get_type_hints(RequestOptions)) - set(
        typing.get_type_hints(ContextOptions)
    ) == {"action"}
    assert (
        inspect.signature(ts.check_action).parameters["action"].default is inspect.Parameter.empty
    )


def test_build_request_documents_every_option() -> None:
    doc = inspect.getdoc(ts.build_request) or ""
    for name in typing.get_type_hints(RequestOptions):
        assert f"    {name}: " in doc, name
