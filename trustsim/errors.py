"""The errors trustsim raises, and the :class:`Problem` values they carry.

Every failure a user can cause is a :class:`TrustsimError`. Invalid policies raise
:class:`InvalidPolicy`, a :class:`ValueError` that reports *every* problem found at once;
each :class:`Problem` names its place as an RFC 6901 JSON pointer and says what AWS would
answer for the same document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from trustsim import _reprs

__all__ = [
    "Diagnostic",
    "InvalidCaller",
    "InvalidContext",
    "InvalidPolicy",
    "InvalidRequest",
    "Position",
    "Problem",
    "Severity",
    "TrustsimError",
]


class TrustsimError(Exception):
    """Base class of every error trustsim raises on purpose.

    >>> from trustsim.parsing import parse_policy
    >>> try:
    ...     parse_policy({"Statement": []})
    ... except TrustsimError as error:
    ...     print(type(error).__name__)
    InvalidPolicy
    """


@attrs.frozen
class Position:
    """A 1-based line and column in the text a policy was read from.

    >>> str(Position(3, 17))
    '3:17'
    """

    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


class Severity:
    """How bad a :class:`Problem` is: AWS refuses ``ERROR``; ``WARNING`` is advisory."""

    ERROR = "error"
    WARNING = "warning"


@attrs.frozen
class Problem:
    """One thing wrong with a policy document, at one place.

    Attributes:
        code: a stable, upper-snake identifier (``PROHIBITED_RESOURCE``); see docs/errors.md.
        pointer: RFC 6901 JSON pointer to the offending value (``""`` is the whole document).
        message: what is wrong, in plain words.
        aws_says: what IAM answers for the same document (``MalformedPolicyDocument: …``),
            or ``""`` when AWS has no exact wording for it.
        severity: :attr:`Severity.ERROR` (AWS refuses the document) or :attr:`Severity.WARNING`.

    >>> p = Problem("PROHIBITED_RESOURCE", "/Statement/0/Resource",
    ...             "a role trust policy cannot have a Resource element",
    ...             "MalformedPolicyDocument: Has prohibited field Resource")
    >>> print(p)
    /Statement/0/Resource: a role trust policy cannot have a Resource element [PROHIBITED_RESOURCE]
      AWS says: MalformedPolicyDocument: Has prohibited field Resource
    """

    code: str
    pointer: str
    message: str
    aws_says: str = ""
    severity: str = Severity.ERROR

    def __str__(self) -> str:
        where = self.pointer or "(document)"
        text = f"{where}: {self.message} [{self.code}]"
        if self.aws_says:
            text += f"\n  AWS says: {self.aws_says}"
        return text


#: How many characters of a line an excerpt shows around the column.
EXCERPT_WIDTH = 120
#: Problems found while the text was still being read: the excerpt stops at the column, so it
#: shows only text that was read as the expected kind (never a line of a file that is not JSON).
_PARTIAL_CODES = frozenset({"JSON_SYNTAX", "INVALID_ENCODING", "YAML_SYNTAX"})


class _Lines:
    """Where each line of a text starts: computed once per text, so every excerpt is cheap."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        find = text.find
        at = find("\n")
        while at != -1:
            starts.append(at + 1)
            at = find("\n", at + 1)
        self.starts = starts

    def line(self, number: int) -> str | None:
        if not 1 <= number <= len(self.starts):
            return None
        start = self.starts[number - 1]
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.text)
        return self.text[start:end].removesuffix("\r")


def _excerpt(lines: _Lines, position: Position, *, partial: bool = False) -> str:
    r"""The offending line, cut to :data:`EXCERPT_WIDTH` around the column, escaped, with a marker.

    >>> print(_excerpt(_Lines('{"a":\n  "\x1b[2Jb"}'), Position(2, 3)))
       2 |   "\x1b[2Jb"}
             ^
    """
    line = lines.line(position.line)
    if line is None:
        return ""
    column = max(1, position.column)
    if partial:
        # What was read as the expected kind, and the character that stopped the reader.
        if not line[: column - 1].strip():
            return ""
        line = line[:column]
    start = max(0, column - 1 - EXCERPT_WIDTH // 2)
    shown = line[start : start + EXCERPT_WIDTH]
    before = escape(line[start : column - 1])
    head = "…" if start > 0 else ""
    tail = "…" if start + EXCERPT_WIDTH < len(line) else ""
    gutter = f"{position.line:>4} | "
    marker = " " * (len(gutter) + len(head) + len(before)) + "^"
    return f"{gutter}{head}{escape(shown)}{tail}\n{marker}"


def escape(text: str) -> str:
    r"""``text`` with control, bidi and other non-printable characters escaped (``\x1b``, ``\u202e``).

    >>> escape("a\tb\x1b[2J\u202eok\n")
    'a\\tb\\x1b[2J\\u202eok\\n'
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def _escaped(char: str) -> str:
    code = ord(char)
    named = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
    if char in named:
        return named[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


class InvalidPolicy(TrustsimError, ValueError):
    """A policy document that AWS would refuse; ``problems`` lists every reason.

    ``problems`` keeps document order; ``first`` is the problem AWS itself would report (it
    stops at the first failing check of its own order) and ``aws_says`` its answer.
    ``str(error)`` leads with ``first``, then lists the others in document order, each with
    its JSON pointer and, when the policy was read from text, the line and column with the
    offending line and a marker under the value.

    >>> error = InvalidPolicy([Problem("MISSING_STATEMENT", "", "the policy has no Statement",
    ...                                "MalformedPolicyDocument: Syntax errors in policy")])
    >>> print(error)
    invalid policy: 1 problem
    (document): the policy has no Statement [MISSING_STATEMENT]
      AWS says: MalformedPolicyDocument: Syntax errors in policy
    >>> [p.code for p in error.problems]
    ['MISSING_STATEMENT']
    >>> error.aws_says
    'MalformedPolicyDocument: Syntax errors in policy'
    """

    problems: tuple[Problem, ...]
    first: Problem | None
    origin: str | None
    text: str | None
    positions: Mapping[str, Position]

    def __init__(
        self,
        problems: Iterable[Problem],
        *,
        first: Problem | None = None,
        origin: str | None = None,
        text: str | None = None,
        positions: Mapping[str, Position] | None = None,
    ) -> None:
        self.problems = tuple(problems)
        if first is not None and first not in self.problems:
            raise ValueError("first must be one of the problems")
        # the listed object itself, so rendering shows it once even if an equal copy was passed
        self.first = next((p for p in self.problems if p == first), None) if first else None
        if self.first is None and self.problems:
            self.first = self.problems[0]
        self.origin = origin
        self.text = text
        self.positions = dict(positions or {})
        self._rendered = self._render()
        super().__init__(self._rendered)

    @property
    def aws_says(self) -> str:
        """What AWS answers for the document: the ``aws_says`` of :attr:`first`."""
        return self.first.aws_says if self.first is not None else ""

    def position_of(self, pointer: str) -> Position | None:
        """The line:column where ``pointer``'s value starts, if the policy was read from text."""
        return self.positions.get(pointer)

    def _render(self) -> str:
        count = len(self.problems)
        where = f" in {escape(self.origin)}" if self.origin else ""
        head = f"invalid policy{where}: {count} problem{'s' if count != 1 else ''}"
        parts = [head]
        lines = _Lines(self.text) if self.text is not None else None
        # A text that holds no Statement anywhere is not a policy of the user's (a credentials
        # JSON a scenario names, say): its lines are not shown, only where it went wrong.
        policy_like = any(p == "/Statement" or p.endswith("/Statement") for p in self.positions)
        leading = [self.first] if self.first is not None else []
        for problem in [*leading, *(p for p in self.problems if p is not self.first)]:
            position = self.positions.get(problem.pointer)
            where = escape(problem.pointer) or "(document)"
            if position is None or lines is None:
                parts.append(f"{where}: {escape(problem.message)} [{problem.code}]")
            else:
                parts.append(
                    f"{where} (line {position}): {escape(problem.message)} [{problem.code}]"
                )
                partial = problem.code in _PARTIAL_CODES
                excerpt = (
                    _excerpt(lines, position, partial=partial) if partial or policy_like else ""
                )
                if excerpt:
                    parts.append(excerpt)
            if problem.aws_says:
                parts.append(f"  AWS says: {problem.aws_says}")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self._rendered


@attrs.frozen
class Diagnostic:
    """A note attached to a decision: something evaluation could not do, or a reading.

    Diagnostics never change a decision by themselves; they say why a clause did not match
    (``UNREADABLE_REQUEST_VALUE``: a request value that is not a date under a ``Date``
    operator) or that a result rests on a reading of undocumented behaviour
    (``UNCERTAIN_SEMANTICS``, naming the reading of docs/semantics.md).

    Attributes:
        code: a stable upper-snake identifier.
        message: what happened, in plain words, with the values involved.
        pointer: JSON pointer of the policy element concerned (``""`` when none).
        policy: label of the policy concerned (``"trust policy"``, ``"SCP level 1"``…).

    >>> print(Diagnostic("UNREADABLE_REQUEST_VALUE", "'soon' is not a date",
    ...                  "/Statement/0/Condition/DateLessThan/aws:CurrentTime", "trust"))
    UNREADABLE_REQUEST_VALUE: 'soon' is not a date (trust /Statement/0/Condition/DateLessThan/aws:CurrentTime)
    """

    code: str
    message: str
    pointer: str = ""
    policy: str = ""

    def __str__(self) -> str:
        where = " ".join(part for part in (self.policy, self.pointer) if part)
        return f"{self.code}: {self.message}" + (f" ({where})" if where else "")


class InvalidCaller(TrustsimError, ValueError):
    """A caller or role value of a shape AWS never produces (a malformed ARN, a bad name…).

    Raised when the value is built (:mod:`trustsim.callers`), so a typo fails loudly instead
    of quietly matching nothing; ``trustsim.callers.InvalidCaller`` names the same class.

    >>> from trustsim.callers import IamUser
    >>> IamUser("arn:aws:iam::111122223333:role/alice")
    Traceback (most recent call last):
    ...
    trustsim.errors.InvalidCaller: ...
    """


class InvalidContext(TrustsimError, ValueError):
    """A request context value of a shape AWS never sends (a dict, ``None``, nested lists…).

    >>> from trustsim.context import RequestContext
    >>> RequestContext.of({"aws:SourceIp": None})
    Traceback (most recent call last):
    ...
    trustsim.errors.InvalidContext: context key 'aws:SourceIp': None is not a value AWS sends; ...
    """


class InvalidRequest(TrustsimError, ValueError):
    """A request that STS itself would refuse before any policy is read.

    Examples: an ``ExternalId`` shorter than 2 characters, a session tag key that collides
    with an inherited transitive tag.

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.parsing import parse_policy
    >>> from trustsim.requests import build_request
    >>> role = Role("arn:aws:iam::111122223333:role/vendor", parse_policy({"Statement": {
    ...     "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole"}}))
    >>> build_request(IamUser("arn:aws:iam::444455556666:user/bot"), role, external_id="x")
    Traceback (most recent call last):
    ...
    trustsim.errors.InvalidRequest: ...
    """


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
