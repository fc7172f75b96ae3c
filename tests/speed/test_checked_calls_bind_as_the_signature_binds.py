"""The identity constructors' argument check matches arguments as ``Signature.bind`` does.

``trustsim._inputs.checked`` matches a call that fits its signature to the parameters
directly and hands every other call to ``inspect.Signature.bind`` (which raises). The pairs
it checks, and their order, must be those ``bind`` gives, for every call: a property over
random calls of a function with every kind of parameter, and of the real constructors.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim import identities
from trustsim._inputs import _argument_matcher, checked


def _every_kind(a: int, /, b: int, c: int = 3, *, d: int, e: int = 5) -> int:
    return a + b + c + d + e


def _variadic(a: int, *rest: int, b: int = 0, **more: int) -> int:
    return a + b + sum(rest) + sum(more.values())


_NAMES = ["a", "b", "c", "d", "e", "f", "rest", "more"]


def _outcome(signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return list(signature.bind(*args, **kwargs).arguments.items())
    except TypeError as error:
        return ("TypeError", str(error))


def _matched(signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return list(_argument_matcher(signature)(args, kwargs))
    except TypeError as error:
        return ("TypeError", str(error))


@pytest.mark.parametrize("function", [_every_kind, _variadic])
@given(
    args=st.lists(st.integers(0, 9), max_size=6).map(tuple),
    kwargs=st.dictionaries(st.sampled_from(_NAMES), st.integers(0, 9), max_size=6),
)
def test_every_call_is_matched_as_bind_matches_it(
    function: Any, args: tuple[int, ...], kwargs: dict[str, int]
) -> None:
    signature = inspect.signature(function)
    assert _matched(signature, args, kwargs) == _outcome(signature, args, kwargs)


_CONSTRUCTORS = [
    identities.GitHubActions,
    identities.EksServiceAccount,
    identities.CognitoIdentity,
    identities.GoogleIdentity,
    identities.OidcIdentity,
]


@pytest.mark.parametrize("constructor", _CONSTRUCTORS, ids=lambda c: c.__name__)
@given(data=st.data())
def test_the_constructors_match_as_bind_matches(constructor: Any, data: st.DataObject) -> None:
    signature = inspect.signature(constructor)
    names = [*signature.parameters, "unknown", "repo_name"]
    args = tuple(data.draw(st.lists(st.text(max_size=3), max_size=4)))
    keywords = data.draw(st.lists(st.sampled_from(names), max_size=5, unique=True))
    kwargs = {name: data.draw(st.text(max_size=3)) for name in keywords}
    assert _matched(signature, args, kwargs) == _outcome(signature, args, kwargs)


def test_a_wrong_type_is_named_whichever_way_the_argument_is_passed() -> None:
    @checked
    def greet(name: str, times: int = 1) -> str:
        return name * times

    for call in (lambda: greet("a", "2"), lambda: greet("a", times="2")):
        with pytest.raises(TypeError, match=r"greet\(times=\): expected int, got str"):
            call()


def test_the_first_wrong_argument_in_the_signature_is_the_one_named() -> None:
    @checked
    def pair(first: int, *, second: int, third: int) -> int:
        return first + second + third

    # Keywords given out of order: the error names the earlier parameter, as bind's order does.
    with pytest.raises(TypeError, match=r"pair\(second=\)"):
        pair(1, third="x", second="y")


def test_a_call_that_does_not_fit_raises_binds_error() -> None:
    with pytest.raises(TypeError, match="missing a required argument: 'repo'"):
        identities.GitHubActions()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="got an unexpected keyword argument 'repository'"):
        identities.GitHubActions("acme/app", repository="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="too many positional arguments"):
        identities.GitHubActions("acme/app", "main")  # type: ignore[misc]
