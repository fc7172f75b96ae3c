"""The domains of the request values the analysis splits, and the languages of policy constants.

A *domain* is every value a caller of trustsim's model can give a key: a role session name is
2-64 characters of ``[A-Za-z0-9_+=,.@-]`` (STS's rule), an IAM user ARN has a 12-digit account,
a path and a name… These are automata (:mod:`trustsim.analysis.automata`), and each has a
length limit checked on the shortest witness of a region.

A *language* is what one policy constant matches under one operator: a glob for ``StringLike``,
one word for ``StringEquals``, a case-folded word for ``StringEqualsIgnoreCase``, a six-part
pattern for ``ArnLike``… Languages only *split* a domain into regions; whether a region is
allowed is always asked of :func:`trustsim.evaluate` with a witness.

>>> SESSION_NAME.domain.matches("ci-run"), SESSION_NAME.domain.matches("x")
(True, False)
>>> USER_ARN.domain.matches("arn:aws:iam::111122223333:user/eng/alice")
True
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import attrs

from trustsim.analysis.automata import (
    ANY,
    NON_SPACE,
    NOT_COLON,
    TAG_TEXT,
    Nfa,
    any_text,
    arn_glob,
    arn_shaped,
    chars,
    equals,
    equals_ignore_case,
    glob,
    literal,
    seq,
    union,
)
from trustsim.variables import Literal, Variable

__all__ = [
    "ACCOUNT",
    "EXTERNAL_ID",
    "ORG_ID",
    "ORG_PATH",
    "ROLE_ARN",
    "SERVICE_NAME",
    "SESSION_NAME",
    "SOURCE_ARN",
    "TAG_KEY",
    "TAG_VALUE",
    "TEXT",
    "USER_ARN",
    "Domain",
    "Language",
    "language_for",
]


@attrs.frozen
class Domain:
    """The values a key can take: an automaton, a length limit and a name for messages."""

    name: str
    domain: Nfa
    max_length: int | None = None


@attrs.frozen(eq=False)
class Language:
    """The words one policy constant matches under one operator, and how to say so."""

    nfa: Nfa
    text: str
    #: What built it (operator family, value, partition…): equal keys, equal languages.
    key: tuple[str, ...] = ()


_DIGIT = chars("digit", string.digits)
_LOWER_DIGIT = chars("lower-digit", string.ascii_lowercase + string.digits)
_LOWER_DIGIT_DASH = chars("lower-digit-dash", string.ascii_lowercase + string.digits + "-")
_LOWER = chars("lower", string.ascii_lowercase)
_NAME = chars("iam-name", string.ascii_letters + string.digits + "_+=,.@-")
_EXTERNAL = chars("external-id", string.ascii_letters + string.digits + "_+=,.@:/-")
_PRINTABLE = chars("printable", [chr(code) for code in range(0x21, 0x7F)])
_SERVICE = chars("service", string.ascii_lowercase + string.digits + ".-")

_ACCOUNT_NFA = seq(_DIGIT, repeat=(12, 12))
_PARTITION = seq(_LOWER, seq(_LOWER_DIGIT_DASH, repeat=(0, None)))


def _principal_arn(kind: str) -> Nfa:
    path = union(seq("/"), seq("/", seq(_PRINTABLE, repeat=(0, None)), "/"))
    return seq(
        "arn:", _PARTITION, ":iam::", _ACCOUNT_NFA, f":{kind}", path, seq(_NAME, repeat=(1, None))
    )


ACCOUNT = Domain("a 12-digit account ID", _ACCOUNT_NFA, 12)
USER_ARN = Domain("an IAM user ARN", _principal_arn("user"), 2048)
ROLE_ARN = Domain("an IAM role ARN", _principal_arn("role"), 2048)
SESSION_NAME = Domain("a role session name", seq(_NAME, repeat=(2, None)), 64)
SOURCE_IDENTITY = Domain("a source identity", seq(_NAME, repeat=(2, None)), 64)
EXTERNAL_ID = Domain("an external ID", seq(_EXTERNAL, repeat=(2, None)), 1224)
_ORG_ID_NFA = seq("o-", seq(_LOWER_DIGIT, repeat=(10, 32)))
ORG_PATH = Domain(
    "an organization path",
    seq(
        _ORG_ID_NFA,
        "/r-",
        seq(_LOWER_DIGIT, repeat=(4, 32)),
        "/",
        seq(
            "ou-",
            seq(_LOWER_DIGIT, repeat=(4, 32)),
            "-",
            seq(_LOWER_DIGIT, repeat=(8, 32)),
            "/",
            repeat=(0, None),
        ),
    ),
    None,
)
ORG_ID = Domain("an organization ID", seq("o-", seq(_LOWER_DIGIT, repeat=(10, None))), 34)
SERVICE_NAME = Domain(
    "a service principal name",
    seq(_LOWER_DIGIT, seq(_SERVICE, repeat=(0, None)), ".", seq(_LOWER, repeat=(2, None))),
    256,
)
SOURCE_ARN = Domain(
    "an ARN",
    seq(
        "arn:",
        *(part for _ in range(4) for part in (seq(NOT_COLON, repeat=(0, None)), ":")),
        seq(ANY, repeat=(0, None)),
    ),
    2048,
)
TEXT = Domain("text", any_text(), None)
TAG_KEY = Domain("a session tag key", seq(TAG_TEXT, repeat=(1, None)), 128)
TAG_VALUE = Domain("a session tag value", seq(TAG_TEXT, repeat=(0, None)), 256)
NON_BLANK = Domain("text without blanks", seq(NON_SPACE, repeat=(0, None)), None)


def _account_language(account: Nfa) -> Nfa:
    # aws:PrincipalAccount of an IAM principal is the account part of aws:PrincipalArn.
    return seq("arn:", _PARTITION, ":iam::", account, ":", any_text())


def language_for(base: str, value: str, *, account_key: bool = False) -> Language | None:
    """The language of ``value`` under the base operator ``base``, or ``None`` if none applies.

    ``account_key`` reads the value as an account (``aws:PrincipalAccount``) and returns the
    language of the principal ARNs in that account, since the analysis keeps one slot for both.

    >>> language_for("StringLike", "repo:acme*").text
    'matches "repo:acme*"'
    >>> language_for("NumericEquals", "1") is None
    True
    """
    if base in ("StringEquals", "StringNotEquals"):
        nfa, text = equals(value), f'= "{value}"'
    elif base in ("StringLike", "StringNotLike"):
        nfa, text = glob(value), f'matches "{value}"'
    elif base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        nfa, text = equals_ignore_case(value), f'= "{value}" (any case)'
    elif base in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"):
        if account_key:
            return None
        found = arn_glob(value)
        if found is None:
            return None
        nfa, text = found, f'matches ARN "{value}"'
    elif base == "Bool":
        nfa, text = equals_ignore_case(value), f'= "{value}" (any case)'
    else:
        return None
    family = "fold" if base == "Bool" or "IgnoreCase" in base else base[:3] + base[-4:]
    if account_key:
        nfa = _account_language(nfa)
        text = f"account {text}"
    return Language(nfa, text, (family, value, str(account_key)))


def template_language(
    base: str, value: str, parts: Sequence[str | Literal | Variable]
) -> Language | None:
    """The language of a value whose only policy variables are ``${*}``, ``${?}``, ``${$}``.

    Those stand for a literal ``*``, ``?`` or ``$`` (never a wildcard); the text around them
    keeps its wildcards under ``StringLike``. ``None`` for the other operators (``Arn*``…)
    and for a value with a variable that reads a key.

    >>> from trustsim.variables import parse_template
    >>> found = template_language("StringLike", "a${*}*", parse_template("a${*}*").parts)
    >>> found.nfa.matches("a*bc"), found.nfa.matches("abc")
    (True, False)
    """
    if any(isinstance(part, Variable) for part in parts):
        return None
    text = "".join(part if isinstance(part, str) else part.text for part in parts)
    if base in ("StringLike", "StringNotLike"):
        nfa = seq(*(glob(p) if isinstance(p, str) else literal(p.text) for p in parts))
        shown = f'matches "{value}"'
    elif base in ("StringEquals", "StringNotEquals"):
        nfa, shown = equals(text), f'= "{text}"'
    elif base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        nfa, shown = equals_ignore_case(text), f'= "{text}" (any case)'
    else:
        return None
    family = "fold" if "IgnoreCase" in base else base[:3] + base[-4:]
    return Language(nfa, shown, ("template", family, value))


def arn_readable() -> Language:
    """Values ``Arn*`` operators can read (six parts); others match no ``Arn*`` clause."""
    return Language(arn_shaped(), "is ARN-shaped", ("arn-shaped",))


def account_principal(partition: str, account: str) -> Language:
    """The IAM principals of ``account`` in ``partition`` (a principal ``"111122223333"``)."""
    text = f"in account {account}" if partition == "aws" else f"in account {partition}:{account}"
    return Language(
        seq(f"arn:{partition}:iam::{account}:", any_text()), text, ("account", partition, account)
    )


def exact(value: str, text: str) -> Language:
    """One word, said as ``text``."""
    return Language(equals(value), text, ("exact", value))


def role_named(partition: str, account: str, name: str) -> Language:
    """The role ARNs of ``name`` in ``account``, whatever their path (a session ARN drops it).

    >>> role_named("aws", "111122223333", "Builder").nfa.matches(
    ...     "arn:aws:iam::111122223333:role/ci/Builder")
    True
    """
    path = union(seq("/"), seq("/", any_text(), "/"))
    return Language(
        seq(f"arn:{partition}:iam::{account}:role", path, name),
        f"is role {name} of account {account} (any path)",
        ("role-named", partition, account, name),
    )
