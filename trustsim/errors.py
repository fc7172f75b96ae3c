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


def _excerpt(text: str, position: Position, width: int = 1) -> str:
    lines = text.splitlines()
    if not 1 <= position.line <= len(lines):
        return ""
    line = lines[position.line - 1]
    gutter = f"{position.line:>4} | "
    marker = " " * (len(gutter) + position.column - 1) + "^" * max(1, width)
    return f"{gutter}{line}\n{marker}"


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
        super().__init__(self._render())

    @property
    def aws_says(self) -> str:
        """What AWS answers for the document: the ``aws_says`` of :attr:`first`."""
        return self.first.aws_says if self.first is not None else ""

    def position_of(self, pointer: str) -> Position | None:
        """The line:column where ``pointer``'s value starts, if the policy was read from text."""
        return self.positions.get(pointer)

    def _render(self) -> str:
        count = len(self.problems)
        where = f" in {self.origin}" if self.origin else ""
        head = f"invalid policy{where}: {count} problem{'s' if count != 1 else ''}"
        parts = [head]
        leading = [self.first] if self.first is not None else []
        for problem in [*leading, *(p for p in self.problems if p is not self.first)]:
            position = self.positions.get(problem.pointer)
            if position is None or self.text is None:
                parts.append(str(problem))
                continue
            where = problem.pointer or "(document)"
            parts.append(f"{where} (line {position}): {problem.message} [{problem.code}]")
            excerpt = _excerpt(self.text, position)
            if excerpt:
                parts.append(excerpt)
            if problem.aws_says:
                parts.append(f"  AWS says: {problem.aws_says}")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self._render()


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
