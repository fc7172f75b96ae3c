"""Generated condition checks: readable source, a named pseudo-file, no policy text in the code.

STYLE.md example 4 and issue 5: a compiled ``Condition`` block becomes one generated Python
function (attrs-style), registered in :mod:`linecache`; policy text reaches it only as values
bound to names, never as source.
"""

from __future__ import annotations

import inspect
import linecache

from trustsim.conditions import clauses_from_json, compile_condition
from trustsim.context import RequestContext

GH = "token.actions.githubusercontent.com"


def _compiled(block: dict[str, object], pointer: str = "/Statement/0"):  # type: ignore[no-untyped-def]
    return compile_condition(
        clauses_from_json(block), expand_variables=True, statement_pointer=pointer
    )


def test_the_generated_source_reads_like_hand_written_code() -> None:
    compiled = _compiled(
        {
            "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
            "StringLike": {f"{GH}:sub": "repo:acme/app:*"},
            "Null": {"sts:ExternalId": "true"},
            "StringNotEqualsIfExists": {"aws:PrincipalTag/team": "intern"},
            "ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]},
        }
    )
    assert compiled.check is not None
    # Cheapest first: presence, then set lookups, then wildcards, then qualified clauses.
    assert inspect.getsource(compiled.check) == (
        "def check(values, context, key0=None, key1=None, expected1=None, key2=None,"
        " match2=None, key3=None, match3=None, key4=None, test4=None):\n"
        "    if values.get(key0):\n"
        "        return False\n"
        "    if values.get(key1) != expected1:\n"
        "        return False\n"
        "    v = values.get(key2)\n"
        "    if v and (len(v) != 1 or match2(v[0]) is not False):\n"
        "        return False\n"
        "    v = values.get(key3)\n"
        "    if not v or len(v) != 1 or match3(v[0]) is not True:\n"
        "        return False\n"
        "    v = values.get(key4)\n"
        "    if not v or not test4(v, context):\n"
        "        return False\n"
        "    return True\n"
    )
    assert compiled.check.__qualname__ == "condition of /Statement/0"


def test_the_source_is_registered_under_a_named_pseudo_file() -> None:
    compiled = _compiled(
        {"StringEquals": {"sts:ExternalId": "x"}, "Bool": {"aws:SecureTransport": "true"}}
    )
    assert compiled.check is not None
    filename = compiled.check.__code__.co_filename
    assert filename.startswith("<trustsim compiled condition, shape ")
    assert compiled.check.__qualname__ == "condition of /Statement/0"
    assert linecache.getline(filename, 1) == (
        "def check(values, context, key0=None, match0=None, key1=None, expected1=None):\n"
    )


def test_string_equals_compares_the_whole_values_tuple() -> None:
    # docs/semantics.md §5.1 and reading 3: exactly one request value, equal to one of the
    # policy's; several values never match; ${*} is read as a literal * (§5.14).
    compiled = _compiled(
        {"StringEquals": {"k": ["a", "b${*}"]}, "StringEqualsIfExists": {"m": "z"}}
    )
    assert compiled.matches(RequestContext.of({"k": "a"}))
    assert compiled.matches(RequestContext.of({"k": "b*"}))
    assert not compiled.matches(RequestContext.of({"k": "b${*}"}))
    assert compiled.matches(RequestContext.of({"k": ["a"]}))  # one value, given as a list
    assert not compiled.matches(RequestContext.of({"k": ["a", "b*"]}))
    assert not compiled.matches(RequestContext.of({}))
    assert not compiled.matches(RequestContext.of({"k": []}))
    assert compiled.matches(RequestContext.of({"k": "a", "m": []}))
    assert not compiled.matches(RequestContext.of({"k": "a", "m": "y"}))
    assert not compiled.matches(RequestContext.of({"k": "a", "m": ["z", "z"]}))


def test_policy_text_never_reaches_the_source() -> None:
    hostile = "x'\n    import os\n#"
    compiled = _compiled({"StringEquals": {hostile: hostile}, "StringLike": {"k": hostile + "*"}})
    assert compiled.check is not None
    source = inspect.getsource(compiled.check)
    assert "import os" not in source
    assert "x'" not in source
    # …and the check still compares the hostile text as data.
    context = RequestContext.of({hostile: hostile, "k": hostile + "tail"})
    assert compiled.matches(context)
    assert not compiled.matches(RequestContext.of({hostile: "other", "k": hostile}))


def test_blocks_of_one_shape_share_their_code_but_not_their_values() -> None:
    first = _compiled({"StringEquals": {"sts:ExternalId": "a"}}, "/Statement/0")
    second = _compiled({"StringEquals": {"sts:ExternalId": "b"}}, "/Statement/1")
    assert first.check is not None
    assert second.check is not None
    assert first.check.__code__ is second.check.__code__
    context = RequestContext.of({"sts:ExternalId": "a"})
    assert first.matches(context)
    assert not second.matches(context)
