"""``[tool.trustsim]`` in ``pyproject.toml``, or ``.trustsim.toml``: what a repository's lint runs skip.

The first of ``--config FILE``, ``./.trustsim.toml`` (keys at the top, or under
``[tool.trustsim]``) and ``./pyproject.toml`` (``[tool.trustsim]``) is read; ``--no-config``
reads none. Keys (docs/ci.md):

* ``ignore``: finding codes left out everywhere;
* ``exclude``: path globs (``*`` within a folder, ``**`` across folders, ``?`` one
  character) of files left out, relative to the configuration file's folder;
* ``fail-on``: the least severity that fails the run (``--fail-on`` wins);
* ``role-arn``: the ARN of roles whose file does not say it;
* ``docs-url``: where your copy of trustsim's docs/ folder is published (``https://…/docs/``):
  SARIF rules then link their ``helpUri`` to its lint.md / errors.md anchors. trustsim has no
  public home to link to by default, so without it SARIF rules carry their help text only;
* ``[…suppress]``: an address (logical ID, cdk path, Terraform address, role ARN) → the
  codes left out for that role only — the Terraform plan's equivalent of CloudFormation's
  ``Metadata: {trustsim: {ignore: [CODE]}}``;
* ``[…role-arns]``: an address → that role's ARN.

>>> settings = parse({"ignore": ["SOURCE_IP_CONDITION"], "exclude": ["legacy/**"],
...                   "suppress": {"aws_iam_role.ci": ["WILDCARD_ACTION"]}}, base=Path("."))
>>> settings.path_ignored("legacy/old/trust.json"), settings.path_ignored("new/trust.json")
(True, False)
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from trustsim import _files
from trustsim.arn import Arn
from trustsim.lint import Severity

__all__ = ["ConfigError", "Settings", "glob_regex", "load", "parse"]


class ConfigError(ValueError):
    """A configuration file that cannot be read or holds a value of the wrong shape."""


@attrs.frozen
class Settings:
    """What the configuration says; the empty default changes nothing."""

    ignore: frozenset[str] = frozenset()
    exclude: tuple[re.Pattern[str], ...] = ()
    fail_on: str | None = None
    role_arn: str | None = None
    role_arns: Mapping[str, str] = attrs.field(factory=dict)
    docs_url: str | None = None
    suppress: Mapping[str, frozenset[str]] = attrs.field(factory=dict)
    base: Path = Path()
    origin: str | None = None

    def path_ignored(self, name: str) -> bool:
        """Whether ``name`` matches an ``exclude`` glob (relative to the config's folder)."""
        if not self.exclude or name == "-":
            return False
        try:
            relative = Path(os.path.abspath(name)).relative_to(os.path.abspath(self.base))
        except ValueError:
            return False
        text = relative.as_posix()
        return any(pattern.fullmatch(text) for pattern in self.exclude)

    def role_arn_for(self, address: str) -> str | None:
        """The configured ARN of the role at ``address``, else the default ``role-arn``."""
        return self.role_arns.get(address, self.role_arn)

    def suppressed(self, address: str) -> frozenset[str]:
        """The codes left out for the role at ``address``."""
        return self.suppress.get(address, frozenset())


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob as a regular expression: ``**`` any folders, ``*`` within one, ``?`` one.

    (Not :mod:`fnmatch`, whose ``*`` crosses folders.)

    >>> bool(glob_regex("a/**/x.json").fullmatch("a/b/c/x.json")), bool(glob_regex("a/*.json").fullmatch("a/b/x.json"))
    (True, False)
    >>> bool(glob_regex("**/x.json").fullmatch("x.json"))
    True
    """
    out: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(out))


def _texts(table: Mapping[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{key} must be a list of strings")
    return value


def _role_arn(value: object, key: str) -> str:
    arn = Arn.try_parse(value) if isinstance(value, str) else None
    if arn is None or arn.service != "iam" or not arn.resource.startswith("role/"):
        raise ConfigError(f"{key}: {value!r} is not an IAM role ARN")
    return str(value)


def parse(table: Mapping[str, Any], *, base: Path, origin: str | None = None) -> Settings:
    """Settings from a decoded ``[tool.trustsim]`` table."""
    known = {"ignore", "exclude", "fail-on", "role-arn", "role-arns", "suppress", "docs-url"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in {s.value for s in Severity}:
        raise ConfigError(f"fail-on: {fail_on!r} is not a severity")
    role_arn = table.get("role-arn")
    docs_url = table.get("docs-url")
    if docs_url is not None and (
        not isinstance(docs_url, str) or not docs_url.startswith(("https://", "http://"))
    ):
        raise ConfigError(f"docs-url: {docs_url!r} is not an http(s) URL")
    role_arns = table.get("role-arns", {})
    suppress = table.get("suppress", {})
    if not isinstance(role_arns, Mapping) or not isinstance(suppress, Mapping):
        raise ConfigError("role-arns and suppress must be tables")
    return Settings(
        ignore=frozenset(_texts(table, "ignore")),
        exclude=tuple(glob_regex(p) for p in _texts(table, "exclude")),
        fail_on=fail_on,
        role_arn=None if role_arn is None else _role_arn(role_arn, "role-arn"),
        role_arns={str(k): _role_arn(v, f"role-arns.{k}") for k, v in role_arns.items()},
        docs_url=None if docs_url is None else docs_url.rstrip("/") + "/",
        suppress={str(k): frozenset(_texts(suppress, str(k))) for k in suppress},
        base=base,
        origin=origin,
    )


def _toml(data: bytes, name: str) -> dict[str, Any]:
    # tomllib on 3.11+, its backport tomli on 3.10 (declared: tomli; python_version < '3.11').
    module = "tomllib" if sys.version_info >= (3, 11) else "tomli"
    try:
        toml: Any = importlib.import_module(module)
    except ImportError:  # pragma: no cover - Python 3.10 without tomli
        raise ConfigError(f"{name}: reading TOML on Python 3.10 needs tomli") from None
    try:
        document: dict[str, Any] = toml.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, toml.TOMLDecodeError) as error:
        raise ConfigError(f"{name}: not TOML: {error}") from None
    return document


def load(options: argparse.Namespace) -> Settings:
    """The settings of ``--config``, ``.trustsim.toml`` or ``pyproject.toml`` (docs/ci.md)."""
    if getattr(options, "no_config", False):
        return Settings()
    named: str | None = getattr(options, "config", None)
    for name in [named] if named else [".trustsim.toml", "pyproject.toml"]:
        if named is None and not os.path.isfile(name):
            continue
        try:
            data, _ = _files.read_named(name)
        except OSError as error:
            raise ConfigError(f"--config {name}: {error.strerror or error}") from None
        document = _toml(data, name)
        tool = document.get("tool", {})
        table = tool.get("trustsim") if isinstance(tool, Mapping) else None
        if table is None and name != "pyproject.toml":
            table = {k: v for k, v in document.items() if k != "tool"}
        if table is None:
            continue
        if not isinstance(table, Mapping):
            raise ConfigError(f"{name}: [tool.trustsim] must be a table")
        try:
            return parse(table, base=Path(os.path.dirname(os.path.abspath(name))), origin=name)
        except ConfigError as error:
            raise ConfigError(f"{name}: {error}") from None
    return Settings()
