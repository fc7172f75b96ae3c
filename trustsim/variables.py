"""Policy variables in condition values (docs/semantics.md §5.14).

Grammar, under ``Version: "2012-10-17"`` only (otherwise ``${…}`` is plain text)::

    variable := "${" key "}"                      → the key's value in the request context
              | "${" key "," " "* "'" default "'" "}"   → …or ``default`` when the key is absent
              | "${*}" | "${?}" | "${$}"           → a literal "*", "?" or "$"
    key      := one or more characters other than whitespace, "," "'" "{" "}" "$"

Anything else that starts with ``${`` (no closing brace, an empty or malformed key) is plain
text. Variables are allowed only in the values of String, Arn and Bool operators; the others
refuse them when the policy is validated (:func:`trustsim.operators.policy_value_problems`).

Substituted text is literal: a ``*`` inside a tag value substituted into a ``StringLike``
pattern matches only a ``*`` (docs/semantics.md §5.14 recommends escaping; AWS does not say).

Outcomes when a variable cannot be filled:

* the key is absent and there is no default → the value is *absent*: it matches nothing, so
  positive operators cannot match through it and negated operators are not stopped by it
  (AWS: "effectively null", §5.14);
* the key carries several values, or was given as a list (a multi-valued key such as
  ``aws:TagKeys``) → AWS says multi-valued keys cannot be variables; trustsim does not guess a
  value, and the whole clause does not match, for positive and negated operators alike, with
  a diagnostic (the fail-closed reading 9 of docs/semantics.md).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping

import attrs

from trustsim._memo import cached
from trustsim.context import RequestContext, normalize_key

__all__ = ["Resolution", "Template", "Unresolved", "Variable", "parse_template"]

_VARIABLE = re.compile(r"\$\{([^{}]*)\}")
_BODY = re.compile(r"\s*([^\s,'{}$]+)\s*(?:,\s*'([^']*)'\s*)?")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


@attrs.frozen
class Variable:
    """One ``${key}`` or ``${key, 'default'}`` reference.

    ``folded`` is the key folded for lookup; ``text`` the reference as written.
    """

    key: str
    folded: str
    default: str | None
    text: str


@attrs.frozen
class Literal:
    """Text that is never a wildcard: what ``${*}``, ``${?}`` and ``${$}`` stand for."""

    text: str


class Unresolved(enum.Enum):
    """Why a template could not be filled from a request context."""

    ABSENT = "absent"
    MULTIVALUED = "multivalued"


#: A filled template: pattern segments (text, wildcards-active) or why it could not be filled.
Resolution = tuple[tuple[tuple[str, bool], ...], None] | tuple[None, tuple[Unresolved, Variable]]


@attrs.frozen
class Template:
    """A policy value split into plain text, literals and variables.

    >>> t = parse_template("repo:${aws:PrincipalTag/Repo}:*")
    >>> t.has_variables, t.keys
    (True, frozenset({'aws:principaltag/repo'}))
    >>> t.resolve(RequestContext.of({"aws:principaltag/REPO": "acme/a*"}))
    ((('repo:', True), ('acme/a*', False), (':*', True)), None)
    >>> parse_template("${*}").resolve(RequestContext.of({}))
    ((('*', False),), None)
    """

    parts: tuple[str | Literal | Variable, ...]

    @property
    def has_variables(self) -> bool:
        """Whether filling the template needs the request context."""
        return any(isinstance(part, Variable) for part in self.parts)

    @property
    def keys(self) -> frozenset[str]:
        """The folded context keys the template reads."""
        return frozenset(part.folded for part in self.parts if isinstance(part, Variable))

    @property
    def static_segments(self) -> tuple[tuple[str, bool], ...]:
        """The segments of a template without variables (variables kept as their text)."""
        return tuple(
            (part, True)
            if isinstance(part, str)
            else (part.text, False)
            if isinstance(part, Literal)
            else (part.text, True)
            for part in self.parts
        )

    @property
    def text(self) -> str:
        """The value as written."""
        return "".join(
            part
            if isinstance(part, str)
            else "${" + part.text + "}"
            if isinstance(part, Literal)
            else part.text
            for part in self.parts
        )

    def resolve(self, context: RequestContext | Mapping[str, tuple[str, ...]]) -> Resolution:
        """Fill the variables from ``context``; see the module docstring for the outcomes."""
        segments: list[tuple[str, bool]] = []
        for part in self.parts:
            if isinstance(part, str):
                segments.append((part, True))
            elif isinstance(part, Literal):
                segments.append((part.text, False))
            else:
                values = context.get(part.folded)
                multivalued = isinstance(context, RequestContext) and context.is_multivalued(
                    part.folded
                )
                if values is None or (not values and multivalued):
                    if part.default is None:
                        return None, (Unresolved.ABSENT, part)
                    segments.append((part.default, False))
                elif multivalued or len(values) != 1:
                    return None, (Unresolved.MULTIVALUED, part)
                else:
                    segments.append((values[0], False))
        return tuple(segments), None


@cached(4096)  # templates are immutable; policies repeat their values
def parse_template(value: str) -> Template:
    """Split a condition value into text, special literals and variables.

    >>> parse_template("${aws:username}-${*}").parts  # doctest: +NORMALIZE_WHITESPACE
    (Variable(key='aws:username', folded='aws:username', default=None, text='${aws:username}'),
     '-', Literal(text='*'))
    >>> parse_template("${aws:PrincipalTag/team, 'company-wide'}").parts[0].default
    'company-wide'
    >>> parse_template("${not closed").parts
    ('${not closed',)
    """
    parts: list[str | Literal | Variable] = []
    position = 0
    for found in _VARIABLE.finditer(value):
        body = found.group(1)
        if body in _SPECIAL:
            part: Literal | Variable = Literal(_SPECIAL[body])
        else:
            parsed = _BODY.fullmatch(body)
            if parsed is None:
                continue  # not a variable: stays plain text
            key = parsed.group(1)
            part = Variable(key, normalize_key(key), parsed.group(2), found.group(0))
        if found.start() > position:
            parts.append(value[position : found.start()])
        parts.append(part)
        position = found.end()
    if position < len(value) or not parts:
        parts.append(value[position:])
    return Template(tuple(parts))
