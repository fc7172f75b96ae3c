"""RFC 6901 JSON pointers: building and escaping.

A pointer names one place in a JSON document: ``/Statement/0/Condition/StringLike``.
Each reference token escapes ``~`` as ``~0`` and ``/`` as ``~1``, so a condition key such
as ``aws:RequestTag/team`` stays one token: ``…/aws:RequestTag~1team``.
"""

from __future__ import annotations

__all__ = ["escape", "join", "split", "unescape"]


def escape(token: str | int) -> str:
    """Escape one reference token (RFC 6901 §3)."""
    text = token if isinstance(token, str) else str(token)
    if "~" in text or "/" in text:
        return text.replace("~", "~0").replace("/", "~1")
    return text


def unescape(token: str) -> str:
    """Undo :func:`escape` for one reference token."""
    return token.replace("~1", "/").replace("~0", "~")


def join(base: str, *tokens: str | int) -> str:
    """Append reference tokens to a pointer.

    >>> join("", "Statement", 0, "Condition", "StringLike", "aws:RequestTag/team")
    '/Statement/0/Condition/StringLike/aws:RequestTag~1team'
    """
    for token in tokens:
        base += "/" + escape(token)
    return base


def split(pointer: str) -> tuple[str, ...]:
    """Split a pointer into its unescaped reference tokens.

    >>> split("/Statement/0/Principal/AWS")
    ('Statement', '0', 'Principal', 'AWS')
    >>> split("")
    ()
    """
    if not pointer:
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/', got {pointer!r}")
    return tuple(unescape(token) for token in pointer[1:].split("/"))
