"""Checking an AssumeRole-family call as STS does and deriving its request context.

The work behind :func:`trustsim.requests.build_request` (documented there):
:func:`prepare_request` takes the options as the doors received them (one
:class:`~trustsim.requests.RequestOptions` mapping), runs STS's own checks (refused
calls raise :class:`~trustsim.errors.InvalidRequest`), derives the context (docs/semantics.md
§6) and keeps each call's derivation by value (``_PREPARED``).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import ipaddress
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence, Set
from typing import Any, cast

from trustsim._derive import CallOptions, derive_context
from trustsim._inputs import expect_bool, expect_text, expect_time, shown
from trustsim._memo import SWITCH, clear_caches, memo, remember
from trustsim.assume_request import (
    ASSUME_ACTIONS,
    ASSUME_ROLE,
    DEFAULT_SESSION_NAME,
    SET_CONTEXT,
    SET_SOURCE_IDENTITY,
    TAG_SESSION,
    AssumeRoleRequest,
    ProvidedContext,
    RequestOptions,
    assume_action_for,
)
from trustsim.callers import (
    AccountRoot,
    Anonymous,
    Caller,
    IamUser,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.context import ContextValue, RequestContext
from trustsim.errors import InvalidRequest
from trustsim.operators import parse_date, parse_number

__all__ = ["prepare_request", "tag_text_ok"]

_SESSION_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]{2,64}")
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_+=,.@:/-]{2,1224}")
_SOURCE_IDENTITY = re.compile(r"[A-Za-z0-9_+=,.@-]{2,64}")
_MAX_TAGS = 50
_CALLER_KINDS = (
    IamUser, RoleSession, AccountRoot, Anonymous, ServicePrincipal, WebIdentity, SamlIdentity
)  # fmt: skip
# Region names: us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1, ap-southeast-5…
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")
_MAX_PROVIDED_CONTEXTS = 5
_TAG_PUNCTUATION = frozenset("_.:/=+-@")


#: Requests built lately, by the call's value: the caller (compared by value), the role (by
#: identity: each entry holds it, so its id is not reused while the entry lives), the time,
#: and every option given: the names in the order given, then their values (see
#: :func:`_call_key`; a name no option has is never kept, the derivation refuses it). An
#: equal call (a caller built afresh in each test, a loop over the same calls) skips the STS
#: checks it already passed and the derivation it already made; its request still holds the
#: caller it was given. Explicit ``context=`` entries are part of the key by value (see
#: :func:`_context_key`): each entry's key, the exact type of its value and the value, in
#: order; calls whose entries cannot be stated so (other types, a mapping of another kind)
#: and calls with provided contexts are not kept.
_Prepared = tuple[Role, "Caller | None", str, RequestContext, tuple[str, ...]]
#: (As many as the fast path keeps plans, trustsim.evaluation.fast: a loop over more calls
#: than a memo holds finds none of them again.)
_PREPARED_SIZE = 8192
_PREPARED: dict[tuple[object, ...], _Prepared] = memo("requests: prepared", _PREPARED_SIZE)

#: The options, in the order the signatures show them.
_OPTION_NAMES: tuple[str, ...] = tuple(RequestOptions.__annotations__)
_OPTION_SET = frozenset(_OPTION_NAMES)
_CONTEXT_OPTION_NAMES = ", ".join(name for name in _OPTION_NAMES if name != "action")
#: The options stated by value in the memo key (mappings and lists, see :func:`_call_key`); a
#: call passing none of them is keyed by its options as they stand (text, a bool, a time).
_STATED_BY_VALUE = frozenset({"tags", "transitive_tag_keys", "provided_contexts", "context"})


def prepare_request(caller: Caller, role: Role, options: RequestOptions) -> AssumeRoleRequest:
    """What :func:`build_request` builds from its ``**options``; equal calls share their work."""
    if SWITCH.fresh:  # the test switch: every call starts cold (trustsim._memo)
        clear_caches()
    # Read once: the memo key and the derived keys hold the same time. Given, it is kept as
    # its UTC instant: fold=0 and fold=1 of one local time compare (and hash) equal in
    # Python, though they are an hour apart.
    at = options.get("at")
    at = _now() if at is None else _checked_time(at)
    expect_bool("mfa", options.get("mfa"))  # before the memo: 1 == True
    if options.keys().isdisjoint(_STATED_BY_VALUE):
        # The names given, then their values: one flat tuple hashes fastest.
        key: tuple[object, ...] | None = (caller, id(role), at, *options, *options.values())
        entries = None
    else:
        key, entries = _call_key(caller, role, at, options)
    if key is not None:
        try:
            hit = _PREPARED.get(key)
        except TypeError:  # an unhashable option: STS's checks below say what is wrong
            hit = key = None
        if hit is not None and hit[0] is role:
            resolved = hit[1]
            return _new_request(
                caller if resolved is None else resolved, role, hit[2], hit[3], hit[4]
            )
    if entries is not None:  # derive from the very entries the key states
        options = {**options, "context": entries}
    derived, companions, resolved, action = _derive(caller, role, at, options)
    if key is not None:
        kept = (role, None if resolved is caller else resolved, action, derived, companions)
        remember(_PREPARED, key, kept, _PREPARED_SIZE)
    return _new_request(resolved, role, action, derived, companions)


def _call_key(
    caller: Caller, role: Role, at: _dt.datetime, options: RequestOptions
) -> tuple[tuple[object, ...] | None, RequestContext | dict[str, ContextValue] | None]:
    """The memo key of a call passing mappings or lists (or ``None``), and its entries.

    The options stand in the key as :data:`_PREPARED` says, the mappings and lists stated by
    value: session tags as their pairs in order, transitive tag keys as a tuple, explicit
    entries as :func:`_context_key` states them. Only options of their documented types make
    a key: ``"team"`` and ``("t", "e", "a", "m")`` must not share an entry; others are
    refused by the derivation. A call with provided contexts is not kept. With the key come
    the explicit entries it states, read once (``None`` without a key or entries): a missed
    call derives from them, not from the mapping it was given.
    """
    if options.get("provided_contexts") is not None:
        return None, None
    stated: dict[str, object] = dict(options)
    tags = options.get("tags")
    if tags is not None:
        if type(tags) is not dict:  # read twice (key, derivation): plain dicts only
            return None, None
        stated["tags"] = tuple(tags.items())
    transitive = options.get("transitive_tag_keys")
    if transitive is not None:
        if type(transitive) is not list and type(transitive) is not tuple:
            return None, None
        stated["transitive_tag_keys"] = tuple(transitive)
    context = options.get("context")
    entries = None
    if context is not None:
        keyed = _context_key(context)
        if keyed is None:
            return None, None
        stated["context"], entries = keyed
    return (caller, id(role), at, *stated, *stated.values()), entries


def _unexpected(name: str) -> TypeError:
    """Python's error for a keyword no signature takes, with the nearest option and the list."""
    near = difflib.get_close_matches(name, _OPTION_NAMES, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return TypeError(
        f"build_request/assume_role/check_action got an unexpected keyword argument {name!r}"
        f"{hint}; they take {_CONTEXT_OPTION_NAMES} (and build_request and "
        "assume_role also action)"
    )


_SCALARS = frozenset({str, bool, int})


def _value_key(value: object) -> object:
    """``value`` with its exact type (``True`` and ``1`` derive different texts), or ``None``.

    A context value is a scalar or one collection of scalars: anything nested has no key and
    is derived afresh (where it is refused), so the key never recurses into input.
    """
    kind = type(value)
    if kind in _COLLECTIONS:
        items = tuple(_scalar_key(item) for item in value)  # type: ignore[attr-defined]
        if None in items:
            return None
        return (kind, frozenset(items) if kind is set or kind is frozenset else items)
    return _scalar_key(value)


def _scalar_key(value: object) -> object:
    kind = type(value)
    if kind in _SCALARS:
        return (kind, value)
    if isinstance(value, _dt.datetime):
        # Equal instants give the same UTC text; a fixed-offset zone keeps that so.
        fixed = kind is _dt.datetime and type(value.tzinfo) is _dt.timezone
        return (kind, value) if fixed else None
    return None


_COLLECTIONS = frozenset({list, tuple, set, frozenset})


def _context_key(context: object) -> tuple[object, RequestContext | dict[str, ContextValue]] | None:
    """Explicit ``context=`` entries stated by value for the request memo, or ``None``.

    Returns the key and what to derive from. A plain mapping: its entries in order, with
    the exact type of each value, and a dict of those entries, read once. A
    :class:`~trustsim.context.RequestContext`: its folded values, spellings and multi-valued
    keys, and the context itself. Anything else (a subclass, a value of another type, a time
    in a zone other than a fixed offset) is not kept: the call is derived afresh.

    >>> _context_key({"aws:SourceVpc": "vpc-1", "n": 1})[0]
    ('entries', (('aws:SourceVpc', (<class 'str'>, 'vpc-1')), ('n', (<class 'int'>, 1))))
    >>> _context_key({"n": 1})[0] == _context_key({"n": True})[0]
    False
    >>> _context_key({"x": object()}) is None
    True
    """
    if type(context) is RequestContext:
        folded = tuple(context.folded.items())
        spelling = tuple(context._spelling.items())
        multi = context._multivalued
        texts = [key for key, _ in spelling] + [value for _, value in spelling] + list(multi)
        for folded_key, values in folded:
            if type(values) is not tuple:
                return None
            texts.append(folded_key)
            texts.extend(values)
        if type(multi) is not frozenset or any(type(text) is not str for text in texts):
            return None
        return ("context", folded, spelling, multi), context
    # Any other value: its checks come later, with the derivation.
    if isinstance(context, RequestContext) or not isinstance(context, Mapping):
        return None
    entries = tuple(context.items())
    stated = []
    for entry_key, value in entries:
        value_key = _value_key(value)
        if type(entry_key) is not str or value_key is None:
            return None
        stated.append((entry_key, value_key))
    return ("entries", tuple(stated)), dict(entries)


_new = object.__new__
_SLOTS = tuple(
    AssumeRoleRequest.__dict__[name].__set__
    for name in ("caller", "role", "action", "context", "companion_actions")
)


def _new_request(
    caller: Caller,
    role: Role,
    action: str,
    context: RequestContext,
    companions: tuple[str, ...],
) -> AssumeRoleRequest:
    # AssumeRoleRequest(...) for values already checked, without attrs' __init__: the slots
    # are set directly (on every end-to-end call, that __init__ cost a quarter of the request).
    request = _new(AssumeRoleRequest)
    set_caller, set_role, set_action, set_context, set_companions = _SLOTS
    set_caller(request, caller)
    set_role(request, role)
    set_action(request, action)
    set_context(request, context)
    set_companions(request, companions)
    return request


def _now() -> _dt.datetime:
    # Request times are whole seconds (aws:CurrentTime and aws:EpochTime have no fraction).
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def _derive(
    caller: Caller, role: Role, when: _dt.datetime, options: RequestOptions
) -> tuple[RequestContext, tuple[str, ...], Caller, str]:
    """Check the call as STS does and derive its context (docs/semantics.md §6).

    ``when`` is the time of the call, already read and checked.
    """
    if not _OPTION_SET.issuperset(options):  # a key naming it is never kept: checked here
        raise _unexpected(next(name for name in options if name not in _OPTION_SET))
    _check_types(caller, role)
    _check_option_types(options)
    if isinstance(caller, WebIdentity):
        caller = caller.resolved_for(role.account_id, role.partition)
    api = assume_action_for(caller)
    action = _checked_action(options.get("action"), api, caller)
    passed_tags = dict(options.get("tags") or {})
    transitive = list(options.get("transitive_tag_keys") or [])
    incoming = caller.transitive_tags if isinstance(caller, RoleSession) else {}
    contexts = [
        item if isinstance(item, ProvidedContext) else ProvidedContext(item)
        for item in options.get("provided_contexts") or ()
    ]
    mfa = options.get("mfa")
    # Each field is the option as STS accepts it (InvalidRequest for one it refuses).
    call = CallOptions(
        when=when,
        session_name=_checked_session_name(options.get("session_name")),
        tags=_checked_tags(passed_tags, transitive, incoming),
        transitive=transitive,
        incoming=incoming,
        source_identity=_checked_source_identity(options.get("source_identity"), caller),
        external_id=_checked_api_options(api, caller, options.get("external_id"), mfa, contexts),
        mfa=mfa,
        contexts=[(item.provider_arn, item.context) for item in contexts],
        source_ip=_checked_ip(options.get("source_ip")),
        region=_checked_region(options.get("region")),
    )
    derived = derive_context(caller, role, call)
    context = options.get("context")
    final = derived if context is None else _with_coherent_times(derived, context)
    # Without explicit entries, the companions are read off the options, not every key.
    companions = (
        ()
        if action not in ASSUME_ACTIONS
        else _derived_companions(
            caller,
            # Incoming transitive tags become session tags of the new session: the chained
            # call is a tagging call (docs/fidelity.md, "Chained calls and session tags").
            tags=bool(passed_tags or transitive or incoming),
            source_identity=call.source_identity is not None,
            provided=bool(contexts),
        )
        if context is None
        else _companions(final, caller)
    )
    return final, companions, caller, action


def _checked_session_name(name: str | None) -> str:
    if name is None:
        return DEFAULT_SESSION_NAME
    _check_pattern("RoleSessionName", name, _SESSION_NAME, "2-64 characters of [\\w+=,.@-]")
    return name


def _checked_ip(source_ip: str | None) -> str | None:
    if source_ip is not None:
        try:
            ipaddress.ip_address(source_ip)
        except ValueError:
            raise InvalidRequest(f"source_ip {shown(source_ip)} is not an IP address") from None
    return source_ip


def _checked_region(region: str | None) -> str | None:
    if region is not None:
        _check_pattern("region", region, _REGION, "a Region name such as eu-west-1")
    return region


def _with_coherent_times(
    derived: RequestContext, context: RequestContext | Mapping[str, ContextValue]
) -> RequestContext:
    """``derived`` with the user's entries applied, the two time keys telling one time.

    ``aws:CurrentTime`` and ``aws:EpochTime`` stay coherent.
    When ``context=`` overrides one of the two, the other follows it (``2026-01-01T00:00:00Z``
    and ``1767225600``); when the override cannot be read as a time, the other key is left
    out — no time can be derived from it, and the real time would contradict it. Both given:
    both are kept as given (docs/fidelity.md, "Times").
    """
    override = context if isinstance(context, RequestContext) else RequestContext.of(context)
    final = derived.merged(override)
    current = override.folded.get("aws:currenttime")
    epoch = override.folded.get("aws:epochtime")
    if (current is None) == (epoch is None):
        return final
    if current is not None:
        instant = parse_date(current[0]) if len(current) == 1 else None
        if instant is None:
            return final.without("aws:EpochTime")
        return final.merged({"aws:EpochTime": str(math.floor(instant.seconds))})
    assert epoch is not None  # noqa: S101 - exactly one of the two is given
    seconds = parse_number(epoch[0]) if len(epoch) == 1 else None
    try:
        when = _dt.datetime.fromtimestamp(int(seconds), _dt.timezone.utc)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError, ArithmeticError):
        return final.without("aws:CurrentTime")
    return final.merged({"aws:CurrentTime": when})


_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9]+")


def _check_types(caller: object, role: object) -> None:
    # The annotations say it, but a plain ARN string is an easy slip: refuse it here, by name.
    if not isinstance(caller, _CALLER_KINDS):
        kinds = ", ".join(kind.__name__ for kind in _CALLER_KINDS)
        raise TypeError(f"not a caller: {caller!r} (expected one of {kinds})")
    if not isinstance(role, Role):
        raise TypeError(f"not a role: {role!r} (expected trustsim.Role)")


def _check_option_types(options: Mapping[str, object]) -> None:
    """``TypeError`` naming the option for a value of the wrong Python type (issue 17).

    The options as a user passed them: their annotations are not trusted here.
    """
    for name in ("action", "external_id", "session_name", "source_identity", "source_ip", "region"):
        expect_text(name, options.get(name))
    tags = options.get("tags")
    if tags is not None and not isinstance(tags, Mapping):
        raise TypeError(
            f"tags: expected a mapping of tag key to value (dict) or None, got "
            f"{type(tags).__name__}: {shown(tags)}"
        )
    for name, items, kinds, expected in (
        (
            "transitive_tag_keys",
            options.get("transitive_tag_keys"),
            (str,),
            "a list of tag keys (str)",
        ),
        (
            "provided_contexts",
            options.get("provided_contexts"),
            (ProvidedContext, str),
            "a list of ProvidedContext values or provider ARNs (str)",
        ),
    ):
        if items is None:
            continue
        if (
            isinstance(items, (str, bytes, Mapping))
            or not isinstance(items, Sequence | Set)
            or not all(isinstance(item, kinds) for item in items)
        ):
            raise TypeError(
                f"{name}: expected {expected} or None, got {type(items).__name__}: {shown(items)}"
            )
    context = options.get("context")
    if context is not None and not isinstance(context, Mapping):
        raise TypeError(
            "context: expected a mapping of condition key to value (dict), a RequestContext or "
            f"None, got {type(context).__name__}: {shown(context)}"
        )


def _checked_action(action: str | None, api: str, caller: Caller) -> str:
    if action is None:
        return api
    if not _ACTION.fullmatch(action):
        raise InvalidRequest(f"action {action!r} is not of the form service:Action")
    if action in ASSUME_ACTIONS and action != api:
        raise InvalidRequest(f"a {type(caller).__name__} assumes a role with {api}, not {action}")
    return action


def _checked_time(at: _dt.datetime | None) -> _dt.datetime:
    if at is None:
        return _now()
    if type(at) is _dt.datetime and at.tzinfo is _UTC:
        return at  # what expect_time returns for it: astimezone(UTC) of a UTC time is itself
    return cast("_dt.datetime", expect_time("at", at, InvalidRequest))


_UTC = _dt.timezone.utc


def _check_pattern(label: str, value: str, pattern: re.Pattern[str], rule: str) -> None:
    if not pattern.fullmatch(value):
        raise InvalidRequest(f"{label} {shown(value)} is invalid: STS accepts {rule}")


def _checked_source_identity(value: str | None, caller: Caller) -> str | None:
    inherited = caller.source_identity if isinstance(caller, RoleSession) else None
    if value is not None:
        if value.lower().startswith("aws:"):
            raise InvalidRequest(
                f"SourceIdentity {value!r} is invalid: the prefix 'aws:' is reserved"
            )
        _check_pattern("SourceIdentity", value, _SOURCE_IDENTITY, "2-64 characters of [\\w+=,.@-]")
        # Once set, a source identity persists through role chaining and cannot be changed
        # [DOC SRCID; docs/semantics.md §4.12].
        if inherited is not None and value != inherited:
            raise InvalidRequest(
                f"SourceIdentity {value!r} differs from the calling session's source identity "
                f"{inherited!r}, which cannot be changed once set"
            )
    return value if value is not None else inherited


def tag_text_ok(text: str) -> bool:
    """Whether ``text`` fits STS's tag pattern: Unicode letters, spaces, numbers and ``_.:/=+-@``.

    >>> tag_text_ok("team:platform"), tag_text_ok("a*b")
    (True, False)
    """
    return all(char in _TAG_PUNCTUATION or unicodedata.category(char)[0] in "LZN" for char in text)


def _checked_tags(
    tags: Mapping[Any, Any], transitive: Sequence[str], incoming: Mapping[str, str]
) -> Mapping[str, str]:
    """``tags`` once STS accepts them with ``transitive`` from a caller carrying ``incoming``."""
    if len(tags) > _MAX_TAGS:
        raise InvalidRequest(f"{len(tags)} session tags passed; STS accepts at most {_MAX_TAGS}")
    seen: dict[str, str] = {}
    inherited = {key.lower(): key for key in incoming}
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not tag_text_ok(key):
            raise InvalidRequest(
                f"session tag key {shown(key)} is invalid: 1-128 letters, digits, spaces or _.:/=+-@"
            )
        if not isinstance(value, str) or len(value) > 256 or not tag_text_ok(value):
            raise InvalidRequest(
                f"session tag {shown(key)}: value {shown(value)} is invalid: "
                "0-256 letters, digits, spaces or _.:/=+-@"
            )
        # Tag keys are case-insensitive: "Team" and "team" are one key [DOC TAGS].
        if key.lower() in seen:
            raise InvalidRequest(
                f"session tags {seen[key.lower()]!r} and {key!r} differ only in case; "
                "tag keys are case-insensitive"
            )
        seen[key.lower()] = key
        # A passed tag may not replace an inherited transitive tag [DOC STS-API Tags; §4.12].
        if key.lower() in inherited:
            raise InvalidRequest(
                f"session tag {key!r} collides with the transitive tag "
                f"{inherited[key.lower()]!r} inherited from the calling session"
            )
    if len(transitive) > _MAX_TAGS:
        raise InvalidRequest(f"{len(transitive)} transitive tag keys; at most {_MAX_TAGS}")
    for key in transitive:
        if key.lower() not in seen:
            raise InvalidRequest(
                f"transitive tag key {key!r} is not one of the session tags passed {sorted(tags)}"
            )
    return tags


def _checked_api_options(
    api: str,
    caller: Caller,
    external_id: str | None,
    mfa: bool | None,
    contexts: Sequence[ProvidedContext],
) -> str | None:
    """``external_id`` once the options of ``api`` (ExternalId, MFA, ProvidedContexts) pass."""
    if external_id is not None:
        if api != ASSUME_ROLE:
            # Only AssumeRole has an ExternalId parameter (docs/semantics.md §7.7).
            raise InvalidRequest(f"{api} has no ExternalId parameter")
        _check_pattern(
            "ExternalId", external_id, _EXTERNAL_ID, "2-1224 characters of [\\w+=,.@:/-]"
        )
    expect_bool("mfa", mfa)
    if mfa is not None and not isinstance(caller, (IamUser, RoleSession, AccountRoot)):
        raise InvalidRequest(
            f"a {type(caller).__name__} cannot pass an MFA code (SerialNumber/TokenCode)"
        )
    if contexts:
        if api != ASSUME_ROLE:
            raise InvalidRequest(f"{api} has no ProvidedContexts parameter")
        if len(contexts) > _MAX_PROVIDED_CONTEXTS:
            raise InvalidRequest(
                f"{len(contexts)} provided contexts; STS accepts at most {_MAX_PROVIDED_CONTEXTS}"
            )
        for item in contexts:
            if not 20 <= len(item.provider_arn) <= 2048:
                raise InvalidRequest(
                    f"provided context ProviderArn {item.provider_arn!r} must be 20-2048 characters"
                )
    return external_id


def _exercised(*, tags: bool, source_identity: bool, provided: bool) -> tuple[str, ...]:
    """The permission-only actions a call exercises, each decided on its own (§4.11).

    ``sts:TagSession`` when it passes session tags (its own, or transitive tags a chained
    session carries in: they become the new session's tags, docs/fidelity.md "Chained calls and
    session tags"); ``sts:SetSourceIdentity`` when it sets a source identity (a chained
    session that carries one passes it on, which reading 11 reads as setting it again);
    ``sts:SetContext`` when it passes provided contexts.
    """
    return tuple(
        companion
        for companion, exercised in (
            (TAG_SESSION, tags),
            (SET_SOURCE_IDENTITY, source_identity),
            (SET_CONTEXT, provided),
        )
        if exercised
    )


def _derived_companions(
    caller: Caller, *, tags: bool, source_identity: bool, provided: bool
) -> tuple[str, ...]:
    """What :func:`_companions` answers for a context derived without explicit entries."""
    carried = isinstance(caller, RoleSession) and caller.source_identity is not None
    return _exercised(tags=tags, source_identity=source_identity or carried, provided=provided)


def _companions(context: RequestContext, caller: Caller) -> tuple[str, ...]:
    """The companion actions of :func:`_exercised`, read off the final context."""
    folded = context.folded  # keys already lower-cased
    tags = "aws:tagkeys" in folded or "sts:transitivetagkeys" in folded
    provided = "sts:requestcontextproviders" in folded
    if not (tags and provided):
        for key in folded:
            if key.startswith("aws:requesttag/"):
                tags = True
            elif key.startswith("sts:requestcontext/"):
                provided = True
    inherited = isinstance(caller, RoleSession) and bool(caller.transitive_tag_keys)
    carried = isinstance(caller, RoleSession) and "aws:sourceidentity" in folded
    return _exercised(
        tags=tags or inherited,
        source_identity="sts:sourceidentity" in folded or carried,
        provided=provided,
    )
