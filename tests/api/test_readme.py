"""The README's pytest example runs, and its assertions hold."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_readme_pytest_example_passes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## In your tests\s+```python\n(.*?)```", text, re.S)
    assert block is not None, "the README lost its pytest example"
    monkeypatch.chdir(REPO)
    namespace: dict[str, object] = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    tests = [value for name, value in namespace.items() if name.startswith("test_")]
    assert tests, "the README example defines no test"
    for test in tests:
        assert callable(test)
        test()
