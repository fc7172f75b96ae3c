"""Strict JSON reading for policy documents: positions kept, duplicate keys refused.

Python's :func:`json.loads` keeps the last of two equal keys, so a document with two
``"StringLike"`` blocks silently loses one condition (docs/semantics.md §7.12). This reader
refuses that as a :class:`~trustsim.errors.Problem` (``DUPLICATE_KEY``) and records where
every value starts, so an :class:`~trustsim.errors.InvalidPolicy` can show ``line:column``
and the offending line with a marker under the value.

Grammar (RFC 8259)::

    value  := object | array | string | number | "true" | "false" | "null"
    object := "{" (string ":" value ("," string ":" value)*)? "}"
    array  := "[" (value ("," value)*)? "]"

Numbers are kept exactly as written: integers as :class:`int`, everything else as
:class:`decimal.Decimal` (``1.50`` stays ``1.50``; docs/semantics.md, reading 5).
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import urllib.parse
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from trustsim import _pointer
from trustsim.errors import InvalidPolicy, Position, Problem

__all__ = ["JsonDocument", "canonical_bound", "decode_text", "quick_value", "read_json"]

_WHITESPACE = " \t\n\r"
_MAX_DEPTH = 256
_MAX_INT_DIGITS = 4000
_SYNTAX = "MalformedPolicyDocument: This policy contains invalid Json"
_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


@attrs.frozen
class JsonDocument:
    """A JSON text read strictly.

    Attributes:
        value: the decoded value (dicts keep document order; for a duplicated key, the
            last value, as every JSON reader would keep it — but see ``problems``).
        text: the text the positions refer to (after BOM removal and URL-decoding).
        positions: where each value starts, by RFC 6901 pointer.
        problems: ``DUPLICATE_KEY`` problems found while reading.
    """

    value: object
    text: str
    positions: dict[str, Position]
    problems: tuple[Problem, ...] = ()


def decode_text(source: str | bytes) -> str:
    r"""Turn ``source`` into JSON text: UTF-8 (BOM tolerated), URL-decoded when encoded.

    The raw IAM Query API returns policy documents URL-encoded (RFC 3986); boto3 decodes
    them, other SDKs may not (docs/loaders.md).

    >>> decode_text(b'\xef\xbb\xbf{"Statement": []}')
    '{"Statement": []}'
    >>> decode_text("%7B%22Version%22%3A%222012-10-17%22%7D")
    '{"Version":"2012-10-17"}'

    Raises:
        InvalidPolicy: ``INVALID_ENCODING`` when bytes are not UTF-8.
    """
    if isinstance(source, bytes):
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            problem = Problem(
                "INVALID_ENCODING",
                "",
                f"the document is not UTF-8 text (byte {error.start} cannot be decoded)",
                _SYNTAX,
            )
            raise InvalidPolicy([problem]) from None
    else:
        text = source.removeprefix("\ufeff")
        if text[:1] == "{":  # a JSON object as written: not URL-encoded
            return text
    stripped = text.strip()
    if stripped[:3].upper() == "%7B":
        return urllib.parse.unquote(stripped)
    return text


def read_json(source: str | bytes) -> JsonDocument:
    """Read one JSON document strictly, keeping the position of every value.

    >>> doc = read_json('{"Statement": {"Effect": "Allow"}}')
    >>> doc.positions["/Statement/Effect"]
    Position(line=1, column=26)
    >>> [p.code for p in read_json('{"a": 1, "a": 2}').problems]
    ['DUPLICATE_KEY']

    Raises:
        InvalidPolicy: ``JSON_SYNTAX`` (with the position of the error) when the text is not
            JSON, ``INVALID_ENCODING`` when bytes are not UTF-8.
    """
    text = decode_text(source)
    reader = _Reader(text)
    try:
        value = reader.document()
    except _SyntaxError as error:
        position = reader.position(error.offset)
        problem = Problem(
            "JSON_SYNTAX", "", f"the document is not valid JSON: {error.reason}", _SYNTAX
        )
        raise InvalidPolicy([problem], text=text, positions={"": position}) from None
    return JsonDocument(value, text, reader.positions, tuple(reader.problems))


class _Refused(Exception):
    """The standard library's reading differs from the strict reader's: read strictly."""


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Refused  # a duplicate key: the strict reader reports it, with its position
    return result


def _integer(digits: str) -> int | Decimal:
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else Decimal(digits)


def _constant(name: str) -> object:
    raise _Refused  # NaN, Infinity, -Infinity are no JSON


def _decimal(digits: str) -> Decimal:
    if "e" in digits or "E" in digits:
        raise _Refused  # JSON, but canonical_bound does not hold: the strict reader reads it
    return Decimal(digits)


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_float=_decimal, parse_int=_integer, parse_constant=_constant
)


#: Every byte but the brackets, the quote and the backslash (deleted by :func:`_nesting`).
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'[]{}"\\')
_SQUARE = bytes.maketrans(b"{}", b"[]")


def _nesting(text: str) -> int | None:
    r"""How many containers nest in ``text``, JSON already read; ``None`` when not told quickly.

    Kept alone with the brackets (C speed), each string without a bracket inside becomes
    ``""``. When removing those pairs leaves no quote, no string held a bracket: the only way
    to split the quotes into adjacent pairs is each string's own two, so every string's pair
    was adjacent, and the brackets left are the document's. (A backslash could hide an escaped
    quote: that text is left to the walk, as is a string holding a bracket.) Each pass that
    removes ``[]`` empties the innermost containers; the passes until nothing is left are the
    nesting. ``None`` above :data:`_MAX_DEPTH` too: whether the innermost container is empty
    decides there, which the walk sees.

    >>> _nesting('{"a": [1, {"b": "]]]"}], "c": {}}'), _nesting('{"a": "\\"["}')
    (None, None)
    >>> _nesting('{"a": [1, {"b": "x"}], "c": {}}'), _nesting("[" * 300 + "]" * 300)
    (3, None)
    """
    data = text.encode("utf-8", "surrogatepass")  # UTF-8 writes no ASCII byte inside a char
    if b"\\" in data:
        return None
    structure = data.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in structure:
        return None
    brackets = structure.translate(_SQUARE)
    for depth in range(_MAX_DEPTH + 1):
        if not brackets:
            return depth
        brackets = brackets.replace(b"[]", b"")
    return None


def _too_deep(value: object, text: str) -> bool:
    """Whether ``value``, read from ``text``, holds a value below more containers than allowed."""
    nesting = _nesting(text)
    if nesting is not None:
        return False  # at most _MAX_DEPTH containers: no value lies deeper than that
    # Decoded JSON holds exact dicts and lists only, so ``type(…) is`` tells containers apart
    # (a third faster than isinstance on an 11 MB account dump, which this walks whole).
    level: list[Any] = [value]
    for _ in range(_MAX_DEPTH):
        below = [
            child
            for node in level
            for child in (node.values() if type(node) is dict else node)
            if type(child) is dict or type(child) is list
        ]
        if not below:
            return False
        level = below
    return any(level)  # a non-empty container at the deepest level allowed


def quick_value(source: str | bytes) -> tuple[bool, object]:
    """Read JSON with the standard library, when that reading is the strict one.

    ``source`` is what :func:`read_json` takes (text or UTF-8 bytes, possibly URL-encoded).

    Returns ``(True, value)`` when the text is JSON the strict reader (:func:`read_json`)
    would read to the same value with no problem: no duplicate key, no ``NaN``, nested no
    deeper than it allows, and no number written with an exponent (rare in policies;
    :func:`canonical_bound` relies on it). Returns ``(False, None)`` otherwise: then
    :func:`read_json` says what is wrong and where, or reads the exponent. Positions are
    needed only to report a problem, so a loader reads quickly first and strictly only when
    there is something to point at.

    >>> quick_value('{"Statement": {"Effect": "Allow", "Condition": {"N": 1.50}}}')
    (True, {'Statement': {'Effect': 'Allow', 'Condition': {'N': Decimal('1.50')}}})
    >>> quick_value('{"a": 1, "a": 2}'), quick_value('{"a": NaN}'), quick_value('{"a": ')
    ((False, None), (False, None), (False, None))
    >>> quick_value('{"n": 1E+3}'), read_json('{"n": 1E+3}').value
    ((False, None), {'n': Decimal('1E+3')})
    """
    try:
        text = decode_text(source)
        value = _DECODER.decode(text)
    except (_Refused, ValueError, RecursionError, InvalidPolicy):
        return False, None
    if text.count("[") + text.count("{") > _MAX_DEPTH and _too_deep(value, text):
        return False, None
    return True, value


def canonical_bound(source: str | bytes) -> int:
    """A bound on the canonical text's characters besides whitespace, for a quick read.

    For a document :func:`quick_value` read from ``source`` that has no shape problem, its
    canonical JSON (:func:`trustsim.model.canonical_chars`, what IAM's size quota counts) has
    at most ``2 * len(source) + 2`` characters besides whitespace. The canonical text is no
    longer than the source besides whitespace (a string is written with no more characters
    than the source needed: JSON must escape what json.dumps escapes, with escapes no
    shorter; element names are the source's; an integer or a number without exponent keeps
    the source's digits — the quick reading refuses exponents, as ``1E+9`` is written
    ``1000000000``; empty and one-value elements get shorter), plus 2 for a single
    ``Statement`` object written as a list, plus 2 quotes for each number or boolean
    condition value — each takes a character and follows its own ``:``, ``,`` or ``[``, so
    there are at most half as many as characters. Bytes and URL-encoded text are no shorter
    than the text they decode to. So a trust policy of up to 2,047 characters is within
    IAM's 4,096 without counting.

    >>> canonical_bound('{"Statement": {"Effect": "Allow"}}')
    70
    """
    return 2 * len(source) + 2


class _SyntaxError(Exception):
    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


class _Reader:
    """A recursive-descent JSON reader that records value positions by pointer."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        self.positions: dict[str, Position] = {}
        self.problems: list[Problem] = []
        #: Every pointer in the order its value started: a member's value spans a slice of it.
        self.order: list[str] = []

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self.line_starts, offset)
        return Position(line, offset - self.line_starts[line - 1] + 1)

    def document(self) -> object:
        """Grammar: ``document := ws value ws EOF``."""
        self.skip_whitespace()
        value = self.value("", 0)
        self.skip_whitespace()
        if self.offset != len(self.text):
            raise _SyntaxError("unexpected text after the end of the document", self.offset)
        return value

    def skip_whitespace(self) -> None:
        text, offset = self.text, self.offset
        while offset < len(text) and text[offset] in _WHITESPACE:
            offset += 1
        self.offset = offset

    def value(self, pointer: str, depth: int) -> object:
        if depth > _MAX_DEPTH:
            raise _SyntaxError("the document is nested too deeply", self.offset)
        self.positions[pointer] = self.position(self.offset)
        self.order.append(pointer)
        char = self.text[self.offset : self.offset + 1]
        if char == "{":
            return self.read_object(pointer, depth)
        if char == "[":
            return self.read_array(pointer, depth)
        if char == '"':
            return self.string()
        for literal, result in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(literal, self.offset):
                self.offset += len(literal)
                return result
        match = json.scanner.NUMBER_RE.match(self.text, self.offset)
        if match is None:
            # Nothing of a text that does not even start as JSON is quoted back.
            what = "the end of the text" if not char else repr(char) if depth else "other text"
            raise _SyntaxError(f"expected a value, found {what}", self.offset)
        integer, fraction, exponent = match.groups()
        self.offset = match.end()
        if fraction or exponent or len(integer) > _MAX_INT_DIGITS:
            # Python refuses to read an int of more than 4,300 digits (CVE-2020-10735); a
            # Decimal keeps such a number exactly and prints it the same way.
            return Decimal(match.group())
        return int(integer)

    def string(self) -> str:
        try:
            value, self.offset = _scanstring(self.text, self.offset + 1, True)
        except json.JSONDecodeError as error:
            raise _SyntaxError(error.msg.lower(), error.pos) from None
        return value

    def expect(self, char: str) -> None:
        if self.text[self.offset : self.offset + 1] != char:
            found = self.text[self.offset : self.offset + 1]
            what = repr(found) if found else "the end of the text"
            raise _SyntaxError(f"expected {char!r}, found {what}", self.offset)
        self.offset += 1

    def read_object(self, pointer: str, depth: int) -> dict[str, object]:
        """Grammar: ``object := "{" (string ":" value ("," string ":" value)*)? "}"``."""
        result: dict[str, object] = {}
        first_seen: dict[str, Position] = {}
        spans: dict[str, tuple[int, int]] = {}
        if self.empty("}"):
            return result
        while True:
            self.skip_whitespace()
            if not self.text.startswith('"', self.offset):
                raise _SyntaxError("expected a member name in double quotes", self.offset)
            key_position = self.position(self.offset)
            key = self.string()
            self.skip_whitespace()
            self.expect(":")
            self.skip_whitespace()
            member = _pointer.join(pointer, key)
            if key in result:
                first = first_seen[key]
                self.forget(*spans[key])
                self.problems.append(
                    Problem(
                        "DUPLICATE_KEY",
                        member,
                        f"the key {key!r} appears more than once in this object (first at "
                        f"line {first.line}, column {first.column}); a JSON reader keeps only the "
                        "last one and silently drops the others",
                    )
                )
            else:
                first_seen[key] = key_position
            start = len(self.order)
            result[key] = self.value(member, depth + 1)
            spans[key] = (start, len(self.order))
            if not self.more("}"):
                return result

    def forget(self, start: int, end: int) -> None:
        """Drop the positions of a value that a duplicate key replaces.

        The value's pointers are its slice of ``order``: the cost is linear in its size, so a
        thousand duplicates of a key cost what their text costs (a scan of every position per
        duplicate was quadratic: 350 KB of duplicates took 30 s).
        """
        for pointer in self.order[start:end]:
            self.positions.pop(pointer, None)

    def read_array(self, pointer: str, depth: int) -> list[object]:
        """Grammar: ``array := "[" (value ("," value)*)? "]"``."""
        result: list[object] = []
        if self.empty("]"):
            return result
        while True:
            self.skip_whitespace()
            result.append(self.value(_pointer.join(pointer, len(result)), depth + 1))
            if not self.more("]"):
                return result

    def empty(self, close: str) -> bool:
        """Step past an opening bracket; whether ``close`` follows at once (and past it)."""
        self.offset += 1
        self.skip_whitespace()
        if self.text.startswith(close, self.offset):
            self.offset += 1
            return True
        return False

    def more(self, close: str) -> bool:
        """After a member: ``True`` past a ``,``; ``False`` past ``close``; else a syntax error."""
        self.skip_whitespace()
        if self.text.startswith(",", self.offset):
            self.offset += 1
            return True
        self.expect(close)
        return False
