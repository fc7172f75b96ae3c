"""docs/semantics.md is the page every citation points to: each cited section and reading exists,
and nothing cites files a clone of the repository does not have."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PAGE = REPO_ROOT / "docs" / "semantics.md"
TEXT = PAGE.read_text(encoding="utf-8")

SECTIONS = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", TEXT, re.M))
READINGS = set(re.findall(r"^\| (\d+[a-z]?) \|", TEXT.split("## Readings", 1)[1], re.M))
KEYS = set(re.findall(r"^\| ([A-Z][A-Z0-9-]+(?:, [A-Z][A-Z0-9-]+)*) \|", TEXT, re.M))


def _sources() -> list[Path]:
    roots = [
        REPO_ROOT / "trustsim",
        REPO_ROOT / "docs",
        REPO_ROOT / "tests",
        REPO_ROOT / "examples",
    ]
    files = [REPO_ROOT / "README.md"]
    for root in roots:
        files += [
            p
            for p in root.rglob("*")
            if p.suffix in {".py", ".md", ".json", ".yaml"}
            and "data" not in p.relative_to(REPO_ROOT).parts
        ]
    return sorted(files)


FILES = _sources()
CITATION = re.compile(r"docs/semantics\.md((?:[^)\n\"';]|\n[ \t]*#?[ \t]*)*)")


def _citations() -> list[tuple[str, str]]:
    found = []
    for path in FILES:
        for match in CITATION.finditer(path.read_text(encoding="utf-8")):
            # The span ends where another file is cited ("…, docs/lint.md …").
            span = re.split(r"[A-Za-z_]+\.md", match.group(1))[0]
            found.append((str(path.relative_to(REPO_ROOT)), span))
    return found


CITATIONS = _citations()


def test_the_page_numbers_its_sections_and_readings() -> None:
    assert {"1", "2.7", "3.12", "4.13", "5.14", "6.6"} <= SECTIONS
    assert {"1", "4b", "5b", "9b", "9c", "16"} <= READINGS
    assert {str(n) for n in range(1, 17)} <= READINGS


def test_every_behaviour_section_names_its_sources() -> None:
    """Each section of §2–§6 ends with ``Sources:`` keys of §1 (or says why it is reasoned)."""
    keys = {key for group in KEYS for key in group.split(", ")}
    bodies = re.split(r"^### ", TEXT.split("## Readings", 1)[0], flags=re.M)[1:]
    assert len(bodies) >= 50
    for body in bodies:
        title = body.splitlines()[0]
        cited = re.findall(r"Sources: ([^.]*)\.", body)
        if not cited:
            assert "Reasoned: " in body, title
            continue
        named = re.findall(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*", " ".join(cited))
        assert named, title
        assert set(named) <= keys, (title, set(named) - keys)


def test_sources_are_aws_pages_or_recorded_iam_answers() -> None:
    urls = re.findall(r"https://\S+", TEXT.split("## 2.", 1)[0])
    assert len(urls) >= 30
    assert all(
        url.startswith(
            ("https://docs.aws.amazon.com/", "https://aws.amazon.com/", "https://github.com/")
        )
        for url in urls
    )


def test_there_are_many_citations() -> None:
    assert len(CITATIONS) > 150


@pytest.mark.parametrize(("where", "span"), CITATIONS, ids=[f"{w}:{s[:30]}" for w, s in CITATIONS])
def test_each_citation_names_a_section_or_reading_the_page_has(where: str, span: str) -> None:
    sections = re.findall(r"§(\d+(?:\.\d+)?)(?:[–-]§?(\d+(?:\.\d+)?))?", span)
    readings = re.findall(r"readings? (\d+[a-z]?)", span)
    assert sections or readings or "§" not in span, (where, span)
    for first, last in sections:
        assert first in SECTIONS, (where, span)
        assert not last or last in SECTIONS, (where, span)
    for reading in readings:
        assert reading in READINGS, (where, span)


SHARED = "SEMANTICS" + ".md"
PARENT = "../" + "shared"


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(REPO_ROOT)) for p in FILES])
def test_nothing_cites_files_a_clone_does_not_have(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert SHARED not in text
    assert PARENT not in text


#: Research notes of the workspace the project grew in; users have none of them.
WORKSPACE_NOTES = tuple(name + ".md" for name in ("ECOSYSTEM", "DESIGN", "PEERS", "STYLE"))
USER_FACING = [
    path
    for path in FILES
    if path.relative_to(REPO_ROOT).parts[0] in {"trustsim", "docs", "examples", "README.md"}
]


@pytest.mark.parametrize(
    "path", USER_FACING, ids=[str(p.relative_to(REPO_ROOT)) for p in USER_FACING]
)
def test_the_library_and_its_docs_cite_only_their_own_pages(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not [name for name in WORKSPACE_NOTES if name in text]
