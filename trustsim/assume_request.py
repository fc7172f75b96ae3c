"""AssumeRole-family requests as values: the request, its options, the API names.

Built by :func:`trustsim.requests.build_request` (documented there, with the checks STS makes
and the context AWS derives); decided by :func:`trustsim.requests.assume_role`. The options
those doors take are written once, here, as the typed mappings :class:`RequestOptions` and
:class:`ContextOptions`. :mod:`trustsim.requests` is these names' public home: its
``__all__`` lists them, so this module keeps no second list.
"""

from __future__ import annotations

import datetime as _dt
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypedDict, TypeVar

import attrs

from trustsim import _reprs
from trustsim._frozen import FrozenDict
from trustsim._inputs import expect_text, shown
from trustsim.callers import (
    Caller,
    Role,
    SamlIdentity,
    WebIdentity,
)
from trustsim.context import ContextValue, RequestContext
from trustsim.errors import InvalidRequest

ASSUME_ROLE = "sts:AssumeRole"
ASSUME_ROLE_WITH_WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
ASSUME_ROLE_WITH_SAML = "sts:AssumeRoleWithSAML"
TAG_SESSION = "sts:TagSession"
SET_SOURCE_IDENTITY = "sts:SetSourceIdentity"
SET_CONTEXT = "sts:SetContext"

#: The three APIs of the AssumeRole family.
ASSUME_ACTIONS: frozenset[str] = frozenset(
    {ASSUME_ROLE, ASSUME_ROLE_WITH_WEB_IDENTITY, ASSUME_ROLE_WITH_SAML}
)
#: The permission-only actions a call may exercise, in the order they are checked (§4.11).
COMPANION_ACTIONS: tuple[str, ...] = (TAG_SESSION, SET_SOURCE_IDENTITY, SET_CONTEXT)

#: The session name used when none is given. STS requires one for every call of the family
#: (``sts:RoleSessionName`` is always present, docs/semantics.md §6.3), so trustsim supplies this
#: one rather than leave the key out; pass ``session_name=`` to test a policy that checks it.
DEFAULT_SESSION_NAME = "trustsim"


@attrs.frozen
class AssumeRoleRequest:
    """One call of the AssumeRole family, with the full request context AWS would build.

    Attributes:
        caller: who calls.
        role: the role to assume.
        action: the API called: ``sts:AssumeRole``, ``sts:AssumeRoleWithWebIdentity`` or
            ``sts:AssumeRoleWithSAML`` (or, to decide one permission alone, a companion action).
        context: every condition key the request carries, derived from the caller and the
            request options, with the user's explicit entries applied last.
        companion_actions: the permission-only actions the call exercises and that must be
            allowed too (``sts:TagSession`` when session tags or transitive keys are passed,
            ``sts:SetSourceIdentity`` when a source identity is passed, ``sts:SetContext`` for
            provided contexts), in that order.

    >>> from trustsim.callers import IamUser, Role
    >>> from trustsim.parsing import parse_policy
    >>> from trustsim.requests import build_request
    >>> role = Role("arn:aws:iam::111122223333:role/vendor", parse_policy({"Statement": {
    ...     "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole"}}))
    >>> request = build_request(IamUser("arn:aws:iam::444455556666:user/bot"), role,
    ...                         external_id="a8f3c2e1", tags={"team": "blue"})
    >>> request.action, request.companion_actions
    ('sts:AssumeRole', ('sts:TagSession',))
    >>> request.context["sts:ExternalId"], request.context["aws:PrincipalAccount"]
    (('a8f3c2e1',), ('444455556666',))
    """

    caller: Caller
    role: Role
    action: str
    context: RequestContext
    companion_actions: tuple[str, ...] = ()


def _text_mapping(value: Mapping[str, str]) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError(
            "ProvidedContext.context: expected a mapping of text to text, got "
            f"{type(value).__name__}: {shown(value)}"
        )
    pairs: Iterable[tuple[object, object]] = value.items()
    for key, item in pairs:
        if not isinstance(key, str) or not isinstance(item, str):
            raise TypeError(
                "ProvidedContext.context: keys and values must be text (str), got "
                f"{type(key).__name__}: {shown(key)} = {type(item).__name__}: {shown(item)}"
            )
    return FrozenDict(value)


@attrs.frozen
class ProvidedContext:
    """A trusted context assertion passed with ``AssumeRole`` (``ProvidedContexts``).

    ``provider_arn`` becomes a value of the multi-valued ``sts:RequestContextProviders`` and
    each ``context`` entry ``sts:RequestContext/<key>``; passing any needs ``sts:SetContext``
    (docs/semantics.md §4.11).

    >>> ProvidedContext("arn:aws:iam::aws:contextProvider/IdentityCenter").provider_arn
    'arn:aws:iam::aws:contextProvider/IdentityCenter'
    """

    provider_arn: str
    context: Mapping[str, str] = attrs.field(factory=dict, converter=_text_mapping)

    def __attrs_post_init__(self) -> None:
        expect_text("ProvidedContext.provider_arn", self.provider_arn, optional=False)
        if not 20 <= len(self.provider_arn) <= 2048:
            raise InvalidRequest(
                f"provided context ProviderArn {shown(self.provider_arn)} must be 20-2048 "
                "characters"
            )


class ContextOptions(TypedDict, total=False):
    """The options of a call that shape its request context: every option but the action.

    What :func:`trustsim.requests.check_action` takes after the action it decides; each key is
    documented at :func:`trustsim.requests.build_request`, and each defaults to ``None``.
    Type a helper of your own that passes them on as ``**options: Unpack[ContextOptions]``
    (PEP 692) and ``mypy`` checks its callers' keywords.

    >>> options: ContextOptions = {"external_id": "tenant-42", "tags": {"team": "blue"}}
    >>> sorted(options)
    ['external_id', 'tags']
    """

    external_id: str | None
    session_name: str | None
    tags: Mapping[str, str] | None
    transitive_tag_keys: Sequence[str] | None
    source_identity: str | None
    source_ip: str | None
    region: str | None
    at: _dt.datetime | None
    mfa: bool | None
    provided_contexts: Sequence[ProvidedContext | str] | None
    context: RequestContext | Mapping[str, ContextValue] | None


class RequestOptions(ContextOptions, total=False):
    """The keyword options of :func:`trustsim.requests.build_request` and ``assume_role``.

    :class:`ContextOptions` and the action to decide. The assertions of
    :mod:`trustsim.testing` take them too; :func:`trustsim.strategies.request_options`
    generates them.

    >>> options: RequestOptions = {"action": "sts:TagSession", "tags": {"team": "blue"}}
    >>> sorted(RequestOptions.__annotations__) == sorted(["action", *ContextOptions.__annotations__])
    True
    """

    action: str | None


_Door = TypeVar("_Door", bound=Callable[..., object])


def keywords_from(options: type) -> Callable[[_Door], _Door]:
    """Show the keys of ``options`` as the keyword parameters of a ``**options`` function.

    The doors take ``**options: Unpack[RequestOptions]`` (PEP 692): type checkers read each
    keyword's type from the typed mapping. ``help()``, ``inspect.signature`` and the API page
    read ``__signature__``, built here once, when the function is defined, so calls pay
    nothing: every option a keyword defaulting to ``None``, in the mapping's order.

    >>> @keywords_from(ContextOptions)
    ... def door(caller: str, **options: object) -> None:
    ...     pass
    >>> str(inspect.signature(door))[:60]
    "(caller: 'str', *, external_id: 'str | None' = None, session"
    """
    keywords = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=getattr(hint, "__forward_arg__", hint),  # the annotation's text
        )
        for name, hint in options.__annotations__.items()
    ]

    def show(function: _Door) -> _Door:
        signature = inspect.signature(function)
        named = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
        vars(function)["__signature__"] = signature.replace(parameters=[*named, *keywords])
        return function

    return show


# STS input rules [DOC STS-API]: character classes are ASCII (the API's \w is Java's).
def assume_action_for(caller: Caller) -> str:
    """The API a caller of this kind calls to assume a role.

    >>> from trustsim.callers import SamlIdentity
    >>> assume_action_for(SamlIdentity("arn:aws:iam::111122223333:saml-provider/Corp"))
    'sts:AssumeRoleWithSAML'
    """
    if isinstance(caller, WebIdentity):
        return ASSUME_ROLE_WITH_WEB_IDENTITY
    if isinstance(caller, SamlIdentity):
        return ASSUME_ROLE_WITH_SAML
    return ASSUME_ROLE


_reprs.install(globals())  # short reprs, IPython and notebook forms (trustsim._reprs)
