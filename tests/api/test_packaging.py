"""Packaging: one version source, the metadata users see, development tools kept out of extras."""

from __future__ import annotations

import importlib.metadata
import re
import sys

import trustsim
from tests.conftest import REPO_ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def test_the_version_has_one_source() -> None:
    assert "version" not in PROJECT
    assert PROJECT["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "trustsim/__init__.py"
    source = (REPO_ROOT / "trustsim" / "__init__.py").read_text(encoding="utf-8")
    assert re.findall(r'^__version__ = "([^"]+)"$', source, re.M) == [trustsim.__version__]
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?(?:\.dev\d+)?", trustsim.__version__)


def test_the_installed_metadata_carries_that_version() -> None:
    assert importlib.metadata.version("trustsim") == trustsim.__version__


def test_the_changelog_has_the_version() -> None:
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)
    assert headings[0] == "Unreleased"
    assert trustsim.__version__ in headings


def test_supported_pythons_are_declared_and_the_oldest_is_type_checked() -> None:
    assert PROJECT["requires-python"] == ">=3.10"
    versions = [
        c.rsplit(":: ", 1)[1]
        for c in PROJECT["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert versions == ["3.10", "3.11", "3.12", "3.13"]
    assert PYPROJECT["tool"]["mypy"]["python_version"] == versions[0]
    assert PYPROJECT["tool"]["ruff"]["target-version"] == "py310"


def test_development_tools_are_not_published_extras() -> None:
    extras = PROJECT["optional-dependencies"]
    published = " ".join(req for reqs in extras.values() for req in reqs)
    for tool in ("ruff", "coverage", "mutmut", "atheris"):
        assert tool not in published, tool
    groups = PYPROJECT["dependency-groups"]
    assert {"dev", "mutation", "fuzz"} <= set(groups)
    # The README's second quick-start command installs the test extra; .ci/run adds the group.
    assert "pip install -e '.[test]' && pytest" in (REPO_ROOT / "README.md").read_text()
    assert "pip install --quiet --group dev" in (REPO_ROOT / ".ci" / "run").read_text()
    assert "moto" in " ".join(extras["test"])
    assert set(extras) == {"hypothesis", "yaml", "moto", "test"}
