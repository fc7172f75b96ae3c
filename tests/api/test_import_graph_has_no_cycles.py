"""trustsim's modules import one another without a circle.

Every import statement counts: at the top of a module, under ``if TYPE_CHECKING:`` and inside
a function (a lazy import). A module is known by its file; ``import trustsim.a.b`` names
``trustsim/a/b.py`` (or ``trustsim/a/b/__init__.py``), and ``from trustsim.a import b`` names
the submodule ``b`` when there is one, else the package ``trustsim.a`` itself. The package
``__init__`` that Python runs first when a submodule is imported is not counted as an import
of it (``trustsim.evaluation.scan`` importing ``trustsim.evaluation.plan`` does not make the
scan depend on the evaluation package's doors).
"""

from __future__ import annotations

import ast
from pathlib import Path

import trustsim

PACKAGE = Path(trustsim.__file__).parent


def _modules() -> dict[str, Path]:
    """Every module of trustsim by dotted name."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("trustsim", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _package_of(module: str) -> str:
    """The package a relative import in ``module`` starts from."""
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def _imports(module: str, source: str | None = None) -> set[str]:
    """The trustsim modules that ``module`` imports, wherever the import statement stands."""
    if source is None:
        source = MODULES[module].read_text(encoding="utf-8")
    tree = ast.parse(source)
    named: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = _package_of(module).split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                named.add(submodule if submodule in MODULES else base)
    return {name for name in named if name in MODULES and name != module}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One circle of ``graph`` as a path that returns to its start, or ``[]``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_the_import_graph_of_trustsim_has_no_circle() -> None:
    graph = {module: _imports(module) for module in MODULES}
    assert _cycle(graph) == [], " -> ".join(_cycle(graph))


def test_the_walk_counts_type_checking_lazy_and_relative_imports() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from trustsim.explain import Explanation\n"
        "def explain():\n"
        "    from .evaluation import scan\n"
        "    import trustsim.model\n"
    )
    assert _imports("trustsim.decision", source) == {
        "trustsim.explain",
        "trustsim.evaluation.scan",
        "trustsim.model",
    }
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []
