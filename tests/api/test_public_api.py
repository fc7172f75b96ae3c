"""The front door: ``import trustsim as ts`` shows exactly the public API, each name documented."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import inspect
import pkgutil
import types
from pathlib import Path

import pytest

import trustsim

REPO = Path(__file__).resolve().parents[2]
PUBLIC = sorted(name for name in trustsim.__all__ if not name.startswith("__"))


def _load_api_builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build_api_docs", REPO / "scripts" / "build_api_docs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_all_names_exist_and_are_unique() -> None:
    assert len(trustsim.__all__) == len(set(trustsim.__all__))
    for name in trustsim.__all__:
        assert hasattr(trustsim, name), name


def test_dir_shows_only_the_public_api() -> None:
    assert sorted(dir(trustsim)) == sorted(trustsim.__all__)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_has_a_docstring_with_a_runnable_example(name: str) -> None:
    obj = getattr(trustsim, name)
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    examples = doctest.DocTestParser().get_examples(doc)
    assert examples, f"{name}'s docstring has no >>> example"
    # The examples themselves run through pytest's --doctest-modules in their own module.


def test_docs_api_page_is_up_to_date() -> None:
    builder = _load_api_builder()
    page = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    assert page == builder.render(), "docs/api.md is stale: run python scripts/build_api_docs.py"


def test_docs_api_page_lists_exactly_the_public_names() -> None:
    page = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    listed = sorted(line.split("`")[1] for line in page.splitlines() if line.startswith("## `"))
    assert listed == PUBLIC


def test_no_public_name_is_shadowed_by_a_submodule() -> None:
    # Importing a submodule sets it as an attribute of the package; a public function named like
    # a module (``lint`` in ``trustsim.lint``) would then read as the module.
    for info in pkgutil.walk_packages(trustsim.__path__, "trustsim."):
        importlib.import_module(info.name)
    for name in PUBLIC:
        assert not isinstance(getattr(trustsim, name), types.ModuleType), name
