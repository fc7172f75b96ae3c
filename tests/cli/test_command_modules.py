"""The command line's layout: a module per command family, importing each other without a circle.

The lint command, its reports and its baseline once imported each other (the baseline needed the
lint command's result type, the lint command the baseline); these pin the fix: the modules of
:mod:`trustsim.cli` and :mod:`trustsim.loaders` form no import circle, and each stays short.
"""

from __future__ import annotations

import argparse
import ast
import io
from pathlib import Path

import pytest

import trustsim.cli
import trustsim.loaders
from trustsim.caller_specs import CALLER_SPEC_FORMS
from trustsim.cli import analysis, check, explain, inventory, lint, main, validate
from trustsim.cli.options import Command, add_commands

PACKAGES = {
    "trustsim.cli": Path(trustsim.cli.__file__).parent,
    "trustsim.loaders": Path(trustsim.loaders.__file__).parent,
}


def _imports(package: str, path: Path) -> set[str]:
    """The modules of ``package`` that the module at ``path`` imports (the package itself aside)."""
    names = {p.stem for p in path.parent.glob("*.py")} - {"__init__"}
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module == package:
                found |= {alias.name for alias in node.names if alias.name in names}
            elif node.module.startswith(package + "."):
                found.add(node.module.removeprefix(package + "."))
        elif isinstance(node, ast.Import):
            found |= {
                a.name.removeprefix(package + ".")
                for a in node.names
                if a.name.startswith(package + ".")
            }
    return found & names


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of ``graph``, as the modules along it, or ``None``."""
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> list[str] | None:
        state[name] = "open"
        for target in sorted(graph.get(name, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target] if target in path else [name, target]
            if target not in state:
                found = visit(target, [*path, target])
                if found:
                    return found
        state[name] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_the_modules_of_a_package_import_each_other_without_a_circle(package: str) -> None:
    folder = PACKAGES[package]
    graph = {
        path.stem: _imports(package, path)
        for path in folder.glob("*.py")
        if path.stem != "__init__"
    }
    assert graph, f"no modules read in {folder}"
    assert _circle(graph) is None, f"{package}: {' -> '.join(_circle(graph) or [])}"


def test_the_circle_finder_finds_a_circle() -> None:
    """The check above can fail: the old lint <-> baseline pair is a circle."""
    found = _circle({"lint": {"baseline", "reports"}, "baseline": {"lint"}, "reports": set()})
    assert found == ["baseline", "lint", "baseline"]
    assert _circle({"lint": {"baseline", "findings"}, "baseline": {"findings"}}) is None


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_module_of_the_cli_or_the_loaders_passes_800_lines(package: str) -> None:
    for path in PACKAGES[package].glob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 800, f"{path.name}: {lines} lines"


def test_every_command_comes_from_its_family_module() -> None:
    """Each family's ``COMMANDS`` declares its commands and its ``run`` runs them; ``main``
    knows no command of its own."""
    owners = {}
    for family in (validate, check, explain, lint, inventory, analysis):
        parser = argparse.ArgumentParser()
        commands = parser.add_subparsers(dest="command")
        add_commands(commands, family.COMMANDS)
        owners.update(dict.fromkeys(commands.choices, family.__name__))
        assert callable(family.run), family.__name__
    assert owners == {
        "validate": "trustsim.cli.validate",
        "check": "trustsim.cli.check",
        "explain": "trustsim.cli.explain",
        "lint": "trustsim.cli.lint",
        "who-can": "trustsim.cli.inventory",
        "reach": "trustsim.cli.inventory",
        "inventory": "trustsim.cli.inventory",
        "grants": "trustsim.cli.analysis",
        "diff": "trustsim.cli.analysis",
    }
    for command in owners:
        out = io.StringIO()
        assert main([command, "--help"], stdout=out) == 0, command
        assert out.getvalue().startswith(f"usage: trustsim {command} "), command


def _declared() -> list[tuple[Command, argparse.ArgumentParser]]:
    """Every command's declaration, and the parser add_commands built from it."""
    found = []
    for family in (validate, check, explain, lint, inventory, analysis):
        commands = argparse.ArgumentParser().add_subparsers(dest="command")
        add_commands(commands, family.COMMANDS)
        found += [(command, commands.choices[command.name]) for command in family.COMMANDS]
    return found


def test_format_closes_the_options_of_each_command_that_names_its_formats() -> None:
    """--format comes after a command's own options, offering the formats it declares."""
    seen = set()
    for command, parser in _declared():
        formats = [a for a in parser._actions if "--format" in a.option_strings]
        if command.formats:
            seen.add(command.name)
            assert parser._actions[-1] is formats[0], command.name
            assert (formats[0].choices, formats[0].default) == (list(command.formats), "text")
        else:  # who-can and reach declare theirs before --all; inventory build writes a file
            assert len(formats) == (command.name != "inventory"), command.name
    assert seen == {"validate", "check", "explain", "lint", "grants", "diff"}
    assert {c.name: c.formats for c, _ in _declared()}["lint"] == ("text", "json", "sarif")


def test_the_caller_spec_forms_close_the_help_of_check_and_explain_only() -> None:
    for command, parser in _declared():
        help_text = parser.format_help()
        assert help_text.rstrip().endswith(CALLER_SPEC_FORMS[-1]) is command.caller_specs
        assert ("caller specs:" in help_text) is (command.name in ("check", "explain"))
