"""Loading policy documents from wherever they live: a dict, JSON text, bytes or a file.

Text keeps its positions, so an :class:`~trustsim.errors.InvalidPolicy` raised for it shows
``line:column`` and the offending line with a marker under the value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from trustsim._files import read_named
from trustsim._usual_trust import usual_trust_policy
from trustsim.errors import InvalidPolicy
from trustsim.loaders.aws import load_authorization_details, load_role, load_roles
from trustsim.loaders.iac import load_cdk_out, load_cloudformation, load_terraform
from trustsim.loaders.json_text import canonical_bound, quick_value, read_json
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_document, remember, remembered
from trustsim.validation import worded_for

__all__ = [
    "load_authorization_details",
    "load_cdk_out",
    "load_cloudformation",
    "load_policy",
    "load_role",
    "load_roles",
    "load_terraform",
]


def load_policy(
    source: str | bytes | os.PathLike[str] | Mapping[str, object],
    *,
    kind: PolicyKind | str = PolicyKind.TRUST,
    origin: str | None = None,
) -> Policy:
    r"""Load and parse one policy document.

    ``source`` is a decoded document (a mapping), JSON text (``str`` starting with ``{``,
    or URL-encoded as the raw IAM API returns it), UTF-8 bytes, or a path to a JSON file.

    >>> policy = load_policy('{"Statement": {"Effect": "Allow", '
    ...                      '"Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}}')
    >>> policy.statements[0].principal.aws
    ('111122223333',)
    >>> load_policy('{"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"},\n'
    ...             '  "Action": "sts:AssumeRole", "Resource": "*"}}')
    Traceback (most recent call last):
    ...
    trustsim.errors.InvalidPolicy: invalid policy in <string>: 1 problem
    /Statement/Resource (line 2:43): a role trust policy cannot have a Resource element: ...
       2 |   "Action": "sts:AssumeRole", "Resource": "*"}}
                                                   ^
      AWS says: MalformedPolicyDocument: Has prohibited field Resource

    Raises:
        InvalidPolicy: the document is not JSON, or AWS would refuse it.
        OSError: the file cannot be read; :class:`~trustsim._files.RefusedFile` when it is
            not a regular file, resolves outside its folder (docs/security.md) or is too large.
    """
    policy_kind = kind if type(kind) is PolicyKind else PolicyKind(kind)
    if type(source) is str and _looks_like_document(source):  # the usual call: text
        return _from_text(source, policy_kind, origin or "<string>")
    if isinstance(source, Mapping):
        return parse_document(dict(source), kind=policy_kind, origin=origin)
    if isinstance(source, str) and _looks_like_document(source):
        return _from_text(source, policy_kind, origin or "<string>")
    if isinstance(source, bytes):
        return _from_text(source, policy_kind, origin or "<bytes>")
    if isinstance(source, str) and "\x00" in source:
        # Neither a document nor a file name (the OS refuses NUL in paths).
        raise FileNotFoundError(f"not a JSON document, and no file can be named {source!r}")
    data, _ = read_named(source)
    return _from_text(data, policy_kind, origin or os.fspath(source))


def _looks_like_document(text: str) -> bool:
    if text[:1] == "{":
        return True
    start = text.lstrip("\ufeff \t\r\n")[:3]
    return start.startswith(("{", "[", '"')) or start.upper() == "%7B"


def _utf8_object(data: str | bytes) -> str | None:
    """The text of UTF-8 bytes opening with ``{`` (a file's), else ``None`` (``decode_text``'s case)."""
    if type(data) is not bytes or data[:1] != b"{":
        return None
    try:
        return data.decode("utf-8")  # no BOM: the data opens with "{"
    except UnicodeDecodeError:
        return None


def _from_text(text: str | bytes, kind: PolicyKind, origin: str) -> Policy:
    known = remembered(text, kind, origin)
    if known is not None:
        return known
    if kind is PolicyKind.TRUST:
        plain = text if type(text) is str else _utf8_object(text)
        usual = None if plain is None else usual_trust_policy(plain, origin)
        if usual is not None:  # most trust policies: read in one pass (else None)
            remember(text, usual)
            return usual
    # Read fast and parse; only a problem needs positions, so read strictly (and parse
    # again, to the same problems) only then.
    read, value = quick_value(text)
    if read:
        try:
            policy = parse_document(
                value,
                kind=kind,
                origin=origin,
                from_json=True,
                size_bound=canonical_bound(text),
                by_content=False,  # remembered by its text instead
            )
        except InvalidPolicy:
            pass
        else:
            remember(text, policy)
            return policy
    try:
        document = read_json(text)
    except InvalidPolicy as error:
        problems = [worded_for(problem, kind) for problem in error.problems]
        raise InvalidPolicy(
            problems, origin=origin, text=error.text, positions=error.positions
        ) from None
    return parse_document(
        document.value,
        kind=kind,
        origin=origin,
        text=document.text,
        positions=document.positions,
        problems=document.problems,
    )
