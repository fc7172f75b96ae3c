"""The trust policies in files and folders: each file's kind, and every role in it (docs/ci.md).

``trustsim lint`` and ``trustsim validate`` take files and directories. :func:`candidates`
walks directories (hidden folders, ``node_modules`` and symbolic links left out) and yields
the files worth a look: ``*.json``, ``*.yaml``, ``*.yml``, ``*.template``; a ``cdk.out``
folder yields its stack templates. :func:`load` reads one file through the read boundary
(:mod:`trustsim._files`), tells its kind by its content — a plain policy, a CloudFormation
template, a cdk.out stack, ``terraform show -json`` output, ``get-account-authorization-details``,
``get-role`` or ``list-roles`` output — and returns every trust policy in it with its
address (logical ID, construct path, Terraform address, role ARN) and the JSON pointer where
it sits in the file, so that a finding's pointer becomes ``file:line:column``.

A file found by walking that is none of these is skipped with a note; a file named on the
command line that is none of these is refused (an unreadable input, exit status 2).

>>> import json, pathlib, tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     folder = pathlib.Path(tmp)
...     _ = (folder / "package.json").write_text('{"name": "app"}')
...     _ = (folder / "trust.json").write_text(json.dumps({"Version": "2012-10-17",
...         "Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
...                       "Action": "sts:AssumeRole"}}))
...     loaded = [load(c) for c in candidates([str(folder)])]
>>> [(pathlib.Path(f.name).name, f.kind, f.skipped) for f in loaded]
[('package.json', None, 'not a policy, template, plan or account dump'), ('trust.json', 'policy', None)]
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from trustsim import _files
from trustsim.errors import InvalidPolicy, Position, Problem
from trustsim.loaders import aws, cloudformation, terraform
from trustsim.loaders.iac_role import IacRole
from trustsim.loaders.json_text import read_json
from trustsim.loaders.source_text import read_template
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_document

__all__ = ["FORMATS", "Candidate", "Loaded", "TrustSource", "candidates", "load", "position_at"]

#: The kinds of file ``--format-in`` names, as :attr:`Loaded.kind` reports them.
FORMATS = (
    "policy",
    "cloudformation",
    "cdk-out",
    "terraform",
    "account-dump",
    "get-role",
    "list-roles",
)
_SUFFIXES = (".json", ".yaml", ".yml", ".template")
_PRUNED = frozenset({"node_modules", "__pycache__", "venv"})
_NOT_ONE = "not a policy, template, plan or account dump"


@attrs.frozen
class Candidate:
    """A file to read: its name, whether the user named it, and its cdk.out stack if any."""

    name: str
    explicit: bool = True
    stack: str | None = None


@attrs.frozen
class TrustSource:
    """One role's trust policy in a file.

    Attributes:
        address: the logical ID, cdk construct path, Terraform address or role ARN (``""``
            for a plain policy file).
        policy: the parsed trust policy (``None`` when unknown until apply).
        pointer: where the trust policy sits in the file (``""`` for a plain policy file).
        role_arn: the role's ARN when the file says it (a state, a dump).
        unknown: why the trust policy is unknown.
        suppressed: codes the file itself leaves out for this role (CloudFormation
            ``Metadata: {trustsim: {ignore: [CODE, …]}}``).
    """

    address: str
    policy: Policy | None
    pointer: str = ""
    role_arn: str | None = None
    unknown: str | None = None
    suppressed: frozenset[str] = frozenset()
    #: the role's ARN when neither the file nor the user says it: a template's role lives in
    #: the account its own ``AWS::AccountId`` names.
    fallback_arn: str | None = None


@attrs.frozen
class Loaded:
    """One file read: its kind and trust policies, or why it was skipped, refused or invalid."""

    name: str
    kind: str | None = None
    sources: tuple[TrustSource, ...] = ()
    positions: Mapping[str, Position] = attrs.field(factory=dict)
    text: str = attrs.field(default="", repr=False)
    skipped: str | None = None
    invalid: InvalidPolicy | None = None
    unreadable: str | None = None

    @property
    def refused(self) -> bool:
        """Named on the command line but of no kind trustsim reads (exit status 2)."""
        return self.unreadable is not None and self.unreadable.startswith(_NOT_ONE)


def candidates(names: Iterable[str]) -> Iterator[Candidate]:
    """The files to read for ``names``: each named file, and the files under each folder."""
    for name in names:
        if name != "-" and os.path.isdir(name) and not os.path.islink(name):
            yield from _walk(name)
        else:
            yield Candidate(name)


def _is_cdk_out(folder: Path, files: Iterable[str]) -> bool:
    names = set(files)
    return ("manifest.json" in names and any(n.endswith(".template.json") for n in names)) or (
        folder.name == "cdk.out" and "manifest.json" in names
    )


def _walk(top: str) -> Iterator[Candidate]:
    for folder, dirs, files in os.walk(top, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _PRUNED)
        if _is_cdk_out(here, files):
            dirs[:] = []  # assets are not templates
            for name in sorted(files):
                if name.endswith(".template.json"):
                    stack = name.removesuffix(".template.json").removesuffix(".nested")
                    yield Candidate(str(here / name), explicit=False, stack=stack)
            continue
        for name in sorted(files):
            if name.lower().endswith(_SUFFIXES) and not name.startswith("."):
                yield Candidate(str(here / name), explicit=False)


def load(
    candidate: Candidate,
    *,
    format_in: str | None = None,
    stack_id: str | None = None,
    account_id: str | None = None,
    data: bytes | None = None,
) -> Loaded:
    """Read one candidate file and every trust policy in it.

    ``account_id`` is the account of templates and plans (CloudFormation's
    ``AWS::AccountId``); ``stack_id`` the stack's ARN or UUID (``AWS::StackId``); ``data``
    the bytes already read (standard input is read once).
    """
    name = candidate.name
    if name != "-" and os.path.islink(name) and not candidate.explicit:
        return Loaded(name, skipped="a symbolic link (not followed)")
    try:
        if data is None:
            data = _files.read_stdin() if name == "-" else _files.read_named(name)[0]
    except OSError as error:
        return Loaded(name, unreadable=error.strerror or str(error))
    label = "<stdin>" if name == "-" else name
    kind = format_in
    try:
        if kind is None:
            kind, value, text, positions = _detect(data, label, candidate)
        else:
            value, text, positions = _parse(data, label, yaml=kind == "cloudformation")
    except InvalidPolicy as error:
        if candidate.explicit or _looks_like_yaml_template(label, data):
            # A YAML template that cannot be read (broken, or PyYAML missing) is no skip.
            template = _looks_like_yaml_template(label, data)
            kind = format_in or ("cloudformation" if template else None)
            return Loaded(name, kind=kind, invalid=error)
        return Loaded(name, skipped=f"{_NOT_ONE} ({error.problems[0].message})")
    if kind is None:
        if candidate.explicit:
            return Loaded(name, unreadable=f"{_NOT_ONE}; name its kind with --format-in")
        return Loaded(name, skipped=_NOT_ONE)
    try:
        sources = _sources(kind, value, label, _Stack(stack_id, account_id, candidate.stack))
    except InvalidPolicy as error:
        wrapped = InvalidPolicy(error.problems, origin=label, text=text, positions=positions)
        return Loaded(name, kind=kind, invalid=wrapped)
    return Loaded(name, kind=kind, sources=sources, positions=positions, text=text)


def check_stack_id(stack_id: str) -> None:
    """Refuse a ``--stack-id`` of the wrong shape before any file is read.

    Raises:
        InvalidPolicy: not a stack ARN nor a UUID.
    """
    cloudformation.stack_arn(stack_id, "aws", "us-east-1", "123456789012", "stack")


def _parse(data: bytes, label: str, *, yaml: bool) -> tuple[object, str, dict[str, Position]]:
    return read_template(data, origin=label, yaml=yaml)


_YAML_TEMPLATE = re.compile(rb"^(AWSTemplateFormatVersion|Resources)\s*:", re.MULTILINE)


def _looks_like_yaml_template(label: str, data: bytes) -> bool:
    return label.lower().endswith((".yaml", ".yml", ".template")) and bool(
        _YAML_TEMPLATE.search(data)
    )


def _detect(
    data: bytes, label: str, candidate: Candidate
) -> tuple[str | None, object, str, dict[str, Position]]:
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if label.lower().endswith((".yaml", ".yml", ".template")) and start not in (b"{", b"["):
        if not _YAML_TEMPLATE.search(data):
            return None, None, "", {}
        value, text, positions = _parse(data, label, yaml=True)
        kind = "cloudformation" if _is_template(value) else None
        return kind, value, text, positions
    document = read_json(data)
    if document.problems:
        raise InvalidPolicy(
            document.problems, origin=label, text=document.text, positions=document.positions
        )
    kind = _kind_of(document.value)
    if kind is None and candidate.explicit and _policy_shaped(document.value):
        kind = "policy"  # named as a policy: report what AWS would refuse in it
    if kind == "cloudformation" and candidate.stack is not None:
        kind = "cdk-out"
    return kind, document.value, document.text, dict(document.positions)


def _policy_shaped(value: object) -> bool:
    """Whether a named file of no kind is a broken policy, to report as one.

    True for a value that is not an object (``[]``: POLICY_NOT_OBJECT), and for an object
    holding nothing or policy elements only (in any case).
    """
    if not isinstance(value, Mapping):
        return True
    return all(str(key).lower() in ("version", "id", "statement") for key in value)


def _is_template(value: object) -> bool:
    return isinstance(value, Mapping) and (
        isinstance(value.get("Resources"), Mapping) or "AWSTemplateFormatVersion" in value
    )


def _kind_of(value: object) -> str | None:
    """The kind of a decoded JSON file, by the keys each kind always has.

    >>> _kind_of({"Statement": []}), _kind_of({"Roles": []}), _kind_of({"name": "app"})
    ('policy', 'list-roles', None)
    >>> _kind_of([{"Roles": []}, {"Roles": []}]), _kind_of([{"Roles": []}, {"Statement": []}])
    ('list-roles', None)
    """
    if isinstance(value, list):
        pages = [page for page in value if isinstance(page, Mapping)]
        if not pages or len(pages) != len(value):
            return None
        kinds = {_kind_of(page) for page in pages}
        if kinds in ({"account-dump"}, {"list-roles"}):
            return kinds.pop()  # the pages of a paginated call
        if all("AssumeRolePolicyDocument" in page and "Arn" in page for page in pages):
            return "list-roles"  # the roles themselves (a --query 'Roles' output)
        return None
    if not isinstance(value, Mapping):
        return None
    keys = value.keys()
    if "Statement" in keys:
        return "policy"
    if _is_template(value):
        return "cloudformation"
    if keys & {"planned_values", "resource_changes"} or (
        "format_version" in keys and ("values" in keys or "terraform_version" in keys)
    ):
        return "terraform"
    if keys & {"RoleDetailList", "UserDetailList", "GroupDetailList"}:
        return "account-dump"
    if isinstance(value.get("Role"), Mapping):
        return "get-role"
    if isinstance(value.get("Roles"), list):
        return "list-roles"
    return None


@attrs.frozen
class _Stack:
    """What a template or plan does not say about where it deploys: its pseudo-parameters."""

    stack_id: str | None
    account_id: str | None
    name: str | None  # a cdk.out stack's name, from its file name


def _sources(kind: str, value: object, label: str, stack: _Stack) -> tuple[TrustSource, ...]:
    if kind == "policy":
        if not isinstance(value, Mapping):
            problem = Problem("INVALID_POLICY", "", "a policy document is a JSON object")
            raise InvalidPolicy([problem], origin=label)
        return (TrustSource("", parse_document(dict(value), kind=PolicyKind.TRUST, origin=label)),)
    if kind in ("cloudformation", "cdk-out"):
        return _template_sources(value, label, stack)
    if kind == "terraform":
        if not isinstance(value, Mapping):
            value = {}  # refused by the loader as not a plan
        return tuple(
            _role_source(
                role, label, "/values/assume_role_policy", role_arn=role.arn, unknown=role.unknown
            )
            for role in terraform.load_terraform(value, origin=label)
        )
    roles: tuple[aws.RoleDetail, ...]
    if kind == "account-dump":
        roles = aws.load_authorization_details(value, origin=label).roles  # type: ignore[arg-type]
    elif kind == "get-role":
        roles = (aws.load_role(value, origin=label),)  # type: ignore[arg-type]
    else:
        roles = aws.load_roles(value, origin=label)  # type: ignore[arg-type]
    return tuple(
        _role_source(role, label, "/AssumeRolePolicyDocument", role_arn=role.arn) for role in roles
    )


def _template_sources(value: object, label: str, stack: _Stack) -> tuple[TrustSource, ...]:
    if not isinstance(value, Mapping):
        raise InvalidPolicy(
            [Problem("INVALID_TEMPLATE", "", "a template is an object with Resources")],
            origin=label,
        )
    options: dict[str, Any] = {"stack_id": stack.stack_id, "origin": label}
    if stack.account_id is not None:
        options["account_id"] = stack.account_id
    if stack.name is not None:
        options["stack_name"] = stack.name
    resources: Mapping[str, Any] = value.get("Resources") or {}
    found = []
    account = stack.account_id or "123456789012"
    for role in cloudformation.load_cloudformation(value, **options):
        metadata = resources[role.address].get("Metadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        cdk_path = metadata.get("aws:cdk:path")
        # The template's role lives in AWS::AccountId, the account its own ARNs name; a
        # --role-arn or a configured ARN says better.
        found.append(
            _role_source(
                role,
                label,
                "/Properties/AssumeRolePolicyDocument",
                address=cdk_path if isinstance(cdk_path, str) else role.address,
                suppressed=_metadata_ignores(metadata),
                fallback_arn=role.arn or f"arn:aws:iam::{account}:role/trustsim-role",
            )
        )
    return tuple(found)


def _metadata_ignores(metadata: Mapping[str, Any]) -> frozenset[str]:
    """The codes of ``Metadata: {trustsim: {ignore: [CODE, …]}}`` (cfn-lint's idiom).

    >>> sorted(_metadata_ignores({"trustsim": {"ignore": ["WILDCARD_ACTION"]}}))
    ['WILDCARD_ACTION']
    """
    own = metadata.get("trustsim")
    codes = own.get("ignore") if isinstance(own, Mapping) else None
    if isinstance(codes, str):
        codes = [codes]
    return (
        frozenset(c for c in codes if isinstance(c, str))
        if isinstance(codes, list)
        else frozenset()
    )


def _role_source(
    role: IacRole | aws.RoleDetail,
    label: str,
    field: str,
    *,
    address: str | None = None,
    role_arn: str | None = None,
    unknown: str | None = None,
    suppressed: frozenset[str] = frozenset(),
    fallback_arn: str | None = None,
) -> TrustSource:
    """A loaded role's trust policy, at ``field`` of the role where the loader found it.

    The role is known by ``address`` (default: its own address, else its ARN).
    """
    if address is None:
        address = role.address if isinstance(role, IacRole) else role.arn
    pointer = _pointer_after(role.origin, label) + field
    return TrustSource(
        address, role.trust_policy, pointer, role_arn, unknown, suppressed, fallback_arn
    )


def _pointer_after(origin: str, label: str) -> str:
    """The pointer of ``label#pointer`` (labels may hold ``#`` themselves)."""
    return origin[len(label) + 1 :] if origin.startswith(label + "#") else ""


def position_at(positions: Mapping[str, Position], pointer: str) -> Position | None:
    """The position of ``pointer``, or of the nearest enclosing value that has one.

    >>> position_at({"": Position(1, 1), "/a": Position(2, 3)}, "/a/b/0")
    Position(line=2, column=3)
    """
    while pointer:
        if pointer in positions:
            return positions[pointer]
        pointer = pointer.rpartition("/")[0]
    return positions.get("")


def embedded_position(text: str, at: Position, inner: Position) -> Position | None:
    r"""Where ``inner`` (a position in a JSON string's decoded text) lies in the file's text.

    ``at`` is the position of the string's opening quote: Terraform and the IAM API carry a
    trust policy as JSON text inside a JSON string, so a finding inside it is placed on the
    file's own line and column, escapes counted.

    >>> import json
    >>> inner = '{"Statement": {"Effect": "x"}}'
    >>> text = json.dumps({"p": inner})
    >>> found = embedded_position(text, Position(1, 7), Position(1, inner.index('"x"') + 1))
    >>> found, text[found.column - 1 : found.column + 3]
    (Position(line=1, column=37), '\\"x\\')
    """
    offset = 0
    for _ in range(at.line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return None
    offset += at.column - 1
    if text[offset : offset + 1] != '"':
        return None
    line, column, index = 1, 1, offset + 1
    while index < len(text) and text[index] != '"':
        if (line, column) == (inner.line, inner.column):
            break
        if text[index] == "\\":
            newline = text[index + 1 : index + 2] == "n"
            index += _escape_width(text, index)
        else:
            newline = text[index] == "\n"
            index += 1
        line, column = (line + 1, 1) if newline else (line, column + 1)
    else:
        return None
    file_line = text.count("\n", 0, index) + 1
    return Position(file_line, index - (text.rfind("\n", 0, index) + 1) + 1)


def _escape_width(text: str, index: int) -> int:
    r"""Raw characters of the escape at ``index`` that decode to one character.

    A surrogate pair (``\uD83D\uDE00``, as ``json.dumps`` writes a character outside the
    Basic Multilingual Plane) is one character of the decoded text.

    >>> _escape_width(r'\n', 0), _escape_width(r'\u00e9', 0), _escape_width(r'\ud83d\ude00', 0)
    (2, 6, 12)
    """
    if text[index + 1 : index + 2] != "u":
        return 2
    high = text[index + 2 : index + 4].upper()
    if high in ("D8", "D9", "DA", "DB") and text[index + 6 : index + 8] == "\\u":
        return 12
    return 6
