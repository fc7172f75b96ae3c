"""docs/lint.md, "Where the rules live": each rule family's file raises exactly the codes the
page lists for it, and every code of the catalogue is raised by one family."""

from __future__ import annotations

import re
from pathlib import Path

import trustsim
from trustsim.lint import RULES

REPO = Path(trustsim.__file__).resolve().parent.parent
PAGE = (REPO / "docs" / "lint.md").read_text(encoding="utf-8")


def _table() -> dict[str, set[str]]:
    section = PAGE.split("## Where the rules live", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(trustsim/lint/\w+\.py)` \|[^|]*\| ([^|]*) \|$", section, re.M)
    return {path: set(re.findall(r"`([A-Z_]+)`", codes)) for path, codes in rows}


def _raised(path: str) -> set[str]:
    text = (REPO / path).read_text(encoding="utf-8")
    return set(re.findall(r'"([A-Z][A-Z_]{5,})"', text)) & set(RULES)


def test_each_family_raises_the_codes_the_page_lists() -> None:
    table = _table()
    assert len(table) == 5
    for path, codes in table.items():
        assert codes == _raised(path), path


def test_every_code_belongs_to_exactly_one_family() -> None:
    families = list(_table().values())
    assert set().union(*families) == set(RULES)
    assert sum(len(codes) for codes in families) == len(RULES)
