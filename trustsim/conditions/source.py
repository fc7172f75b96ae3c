"""The generated check of a condition block, compiled once per shape of block.

One function tests every clause in order; it is written as source, so that tracebacks show it.
"""

from __future__ import annotations

import builtins
import itertools
import linecache
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from trustsim._memo import register, remember
from trustsim.context import RequestContext
from trustsim.model import SetQualifier
from trustsim.operators import AnyMatch, Family, OperatorSpec, build_equals
from trustsim.variables import Template

# A context's values by folded key (RequestContext.folded): the hot path never folds a key.
Entries = Mapping[str, tuple[str, ...]]


class Clause(Protocol):
    """What the generated check reads of a clause: a :class:`trustsim.conditions.clause.Clause`.

    (A protocol, so that the clause module can generate its own check without this module
    importing it back.)
    """

    spec: OperatorSpec
    qualifier: SetQualifier | None
    negated: bool
    folded: str
    templates: tuple[Template, ...]
    static_match: AnyMatch | None
    prepared: tuple[Any, ...]
    when_absent: bool
    when_present: bool | None
    compare: Callable[[tuple[str, ...], RequestContext], bool] | None


_COSTS = {Family.NULL: 0, Family.BOOL: 1, Family.STRING: 2, Family.ARN: 4, Family.BINARY: 4}


def cost(clause: Clause) -> int:
    """A rough rank of a clause's cost: presence tests, then set lookups, then parsing."""
    rank = _COSTS.get(clause.spec.family, 5)
    if rank == 2 and clause.spec.build is not build_equals:
        rank = 3  # wildcard and case-folding string operators
    if clause.qualifier is not None:
        rank += 1
    return rank + 10 if clause.templates else rank


def _clause_source(clause: Clause, index: int, names: dict[str, object]) -> list[str]:
    """The lines testing one clause inside the generated ``check`` (``return False`` on a miss).

    No policy text reaches the source: the folded key, matchers and tests are bound as the
    generated function's defaults (parameters ``key0``, ``match0``, ``test0``…, read as
    locals), so the source depends only on the block's shape and is compiled once per shape.
    """
    key = f"key{index}"
    names[key] = clause.folded
    match = clause.static_match
    if clause.when_present is not None:  # Null: presence alone decides
        return _presence_source(key, clause.when_absent, not clause.when_present)
    if (
        clause.qualifier is None
        and match is not None
        and clause.spec.build is build_equals
        and not clause.negated
    ):
        # StringEquals: the request must carry exactly one value, one of the policy's (§5.1,
        # reading 3), so the values tuple is compared whole.
        expected = frozenset((text,) for text in clause.prepared)
        single = len(expected) == 1
        names[f"expected{index}"] = next(iter(expected)) if single else expected
        fails = f"{{v}} != expected{index}" if single else f"{{v}} not in expected{index}"
        # (an absent key, None, also differs from every expected tuple)
        return _presence_source(key, clause.when_absent, fails, fails_when_absent=True)
    if clause.qualifier is None and match is not None:
        # §5.1 and reading 3: one value tested, several values never match.
        names[f"match{index}"] = match
        wanted = not clause.negated
        return _presence_source(
            key, clause.when_absent, f"len(v) != 1 or match{index}(v[0]) is not {wanted}"
        )
    names[f"test{index}"] = clause.compare
    return _presence_source(key, clause.when_absent, f"not test{index}(v, context)")


def _presence_source(
    key: str, when_absent: bool, fails: str | bool, *, fails_when_absent: bool = False
) -> list[str]:
    """The lines of one clause: its answer when the key is absent (or ``[]``), else ``fails``.

    ``when_absent`` is :func:`trustsim.conditions.clause.presence`'s answer; ``fails`` is
    the test of the present values ``v`` that makes the clause fail (a constant when presence
    alone decides). ``fails_when_absent``: ``fails`` (written with ``{v}``) also holds for an
    absent key, so a clause false when absent needs no separate test.
    """
    miss = ["        return False"]
    if isinstance(fails, bool):
        if when_absent is not fails:  # the same answer absent or present
            return [] if when_absent else ["    return False"]
        return [f"    if {'' if when_absent else 'not '}values.get({key}):", *miss]
    if fails_when_absent and not when_absent:
        return [f"    if {fails.format(v=f'values.get({key})')}:", *miss]
    fails = fails.format(v="v")
    if not when_absent:
        return [f"    v = values.get({key})", f"    if not v or {fails}:", *miss]
    grouped = f"({fails})" if " or " in fails else fails
    return [f"    v = values.get({key})", f"    if v and {grouped}:", *miss]


Check = Callable[[Entries, RequestContext], bool]
#: Generated code by source, and the linecache entries registered for it (by file name).
#: Bounded like every cache; clearing drops the linecache entries too.
_SHAPES: dict[str, types.CodeType] = {}
_SHAPE_FILES: list[str] = []
_SHAPES_SIZE = 1024
_SHAPE_NUMBERS = itertools.count(1)
#: The globals of every generated check: the builtins alone (``len``).
_GLOBALS: dict[str, object] = {"__builtins__": builtins}


def clear_shapes() -> None:
    """Forget the generated code and its linecache entries."""
    _SHAPES.clear()
    for filename in _SHAPE_FILES:
        linecache.cache.pop(filename, None)
    _SHAPE_FILES.clear()


register("conditions: generated shapes", clear_shapes, _SHAPES.__len__, _SHAPES_SIZE)


def generate(clauses: Sequence[Clause], name: str) -> Check:
    """One function testing every clause in order, written as source (attrs-style).

    The source is registered in :mod:`linecache` under a pseudo-file naming its shape, so
    tracebacks and debuggers show it; ``name`` (the statement's pointer) becomes the
    function's qualified name.
    """
    names: dict[str, object] = {}
    lines: list[str] = []
    for index, clause in enumerate(clauses):
        lines += _clause_source(clause, index, names)
    # The block's keys, values and tests are the function's own defaults (one tuple, read
    # as locals), not a globals dict of its own: a loop over many statements touches one
    # small tuple per check, and every check of a shape shares its globals.
    parameters = "".join(f", {name}=None" for name in names)
    lines = [f"def check(values, context{parameters}):", *lines, "    return True"]
    source = "\n".join(lines) + "\n"
    code = _SHAPES.get(source)
    if code is None:
        # Named by shape: blocks of one shape (whatever their operators' names) share it. The
        # code depends on the source alone (no policy text reaches it: see _clause_source).
        filename = f"<trustsim compiled condition, shape {next(_SHAPE_NUMBERS)}>"
        module = compile(source, filename, "exec")
        code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
        remember(_SHAPES, source, code, _SHAPES_SIZE, clear=clear_shapes)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        _SHAPE_FILES.append(filename)
    check = types.FunctionType(code, _GLOBALS, "check", tuple(names.values()))
    check.__qualname__ = f"condition of {name}" if name else "condition"
    return check
