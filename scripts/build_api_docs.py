"""Write docs/api.md from the public names' docstrings: ``python scripts/build_api_docs.py``.

The page lists every name of ``trustsim.__all__`` with its signature and the first paragraph
of its docstring; tests/api/test_public_api.py fails when the page is out of date.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import trustsim

PAGE = Path(__file__).resolve().parent.parent / "docs" / "api.md"

HEADER = """# API reference

Everything below is reachable from one import, `import trustsim as ts`. This page is generated
from the docstrings by `python scripts/build_api_docs.py`; each docstring carries runnable
examples (they run as doctests in the test suite).
"""


def _summary(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    paragraph = doc.split("\n\n", 1)[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def _signature(name: str, obj: object) -> str:
    if inspect.isclass(obj) or inspect.isfunction(obj):
        try:
            return f"{name}{inspect.signature(obj)}"
        except (TypeError, ValueError):
            return name
    return name


def render() -> str:
    """The page's text."""
    parts = [HEADER]
    for name in sorted(trustsim.__all__, key=str.lower):
        if name.startswith("__"):
            continue
        obj = getattr(trustsim, name)
        kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "value"
        parts.append(f"## `{name}` ({kind}, from `{obj.__module__}`)\n")
        parts.append(f"```text\n{_signature(name, obj)}\n```\n")
        parts.append(_summary(obj) + "\n")
    return "\n".join(parts)


def main() -> int:
    """Write the page, or with ``--check`` exit 1 when it is out of date."""
    text = render()
    if "--check" in sys.argv[1:]:
        return 0 if PAGE.read_text(encoding="utf-8") == text else 1
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
