"""The witness of a cell: one concrete request built with :func:`trustsim.build_request`.

:func:`witness` sets each slot's knob to its region's value, builds the caller and the
request, and checks the request lies in every region of the cell; a cell no request can
realise as described raises :class:`Unrealisable` (the answer is then incomplete).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trustsim import callers
from trustsim.analysis.cell_types import WITNESS_TIME, Cell
from trustsim.analysis.regions import explored, region_of, signature_of
from trustsim.callers import OrgMembership, Role
from trustsim.errors import InvalidCaller, InvalidRequest
from trustsim.model import PolicyKind
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest, ProvidedContext, build_request

__all__ = [
    "CALLER_ALLOWS",
    "Unrealisable",
    "witness",
]


#: The identity policy of witness callers: their own side allows (Grants say when that matters).
CALLER_ALLOWS = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"},
    },
    kind=PolicyKind.IDENTITY,
)


_CONTEXT_PROVIDER = "arn:aws:iam::aws:contextProvider/IdentityCenter"


_WITNESS_TAGS = {"witness": "tag"}


_CALLER_SESSION = "caller-session"


class Unrealisable(Exception):
    """A cell's witness could not be built as described (the answer is then incomplete)."""


def witness(role: Role, cell: Cell, *, caller_policies: bool = True) -> AssumeRoleRequest | None:
    """The request of ``cell``; ``None`` when STS refuses it (an option this API lacks).

    Raises :class:`Unrealisable` when the request built does not carry the cell's values.
    """
    values = {
        slot.knob: region.value
        for slot, region in zip(cell.caller_class.slots, cell.regions, strict=True)
    }
    kind = cell.caller_class.kind
    if values.get("org_paths") is not None:
        values["org_paths"] = _in_one_org(cell, values["org_paths"])
    policies = (CALLER_ALLOWS,) if caller_policies else ()
    options: dict[str, Any] = {"at": WITNESS_TIME}
    issued_at = None
    if values.get("credentials") is not None:
        values["mfa"], issued_at, call_mfa = values["credentials"]
        if call_mfa is not None:
            options["mfa"] = call_mfa
    try:
        if kind == "user":
            caller: Any = callers.IamUser(
                values["principal"],
                policies=policies,
                mfa_authenticated=values.get("mfa"),
                org=_org(values),
                tags=_chosen(values, "ptag"),
                unique_id=values.get("unique_id"),
            )
        elif kind == "session":
            carried = _chosen(values, "carried")
            caller = callers.RoleSession(
                values["principal"],
                values.get("caller_session", _CALLER_SESSION),
                policies=policies,
                mfa_authenticated=values.get("mfa", False),
                org=_org(values),
                carried_keys=carried,
                role_tags=_chosen(values, "ptag"),
                role_unique_id=values.get("role_unique_id"),
                source_identity=values.get("caller_source_identity"),
                issued_at=issued_at,
                session_tags=_incoming(values),
                transitive_tag_keys=list(_incoming(values)),
            )
        elif kind == "service":
            caller = callers.ServicePrincipal(
                values["service"],
                source_account=values.get("source_account"),
                source_arn=values.get("source_arn"),
                source_org_id=values.get("source_org_id"),
                source_org_paths=values.get("source_org_paths") or (),
            )
        elif kind == "web":
            claims = _chosen(values, "claim")
            caller = callers.WebIdentity(
                cell.caller_class.provider or "", claims, condition_claims=set(claims)
            )
        else:
            attributes = _chosen(values, "saml")
            caller = callers.SamlIdentity(cell.caller_class.provider or "", attributes)
    except InvalidCaller as error:
        raise Unrealisable(str(error)) from None
    if values.get("external_id") is not None:
        options["external_id"] = values["external_id"]
    if values.get("session_name") is not None:
        options["session_name"] = values["session_name"]
    if values.get("at") is not None:
        options["at"] = values["at"]
    if values.get("source_ip") is not None:
        options["source_ip"] = values["source_ip"]
    carried_identity = values.get("caller_source_identity")
    if carried_identity is not None and "source_identity" in values:
        # A session's source identity is passed on to every request it makes (STS refuses
        # another): the cell holds requests only if the session's value lies in its region of
        # sts:SourceIdentity (both slots are split by the same languages).
        if not _carries(cell, carried_identity):
            return None
        values["source_identity"] = carried_identity
    if values.get("source_identity") is not None:
        options["source_identity"] = values["source_identity"]
    if not _tag_options(values, options, kind):
        return None
    if values.get("contexts"):
        options["provided_contexts"] = [ProvidedContext(_CONTEXT_PROVIDER)]
    try:
        request = build_request(caller, role, **options)
    except InvalidRequest:
        return None
    _check_realised(request, cell)
    return request


#: The key of a tag passed on by a calling session (a request with no tags of its own).
_INCOMING_TAG = "trustsim-witness"


def _tag_options(values: dict[str, Any], options: dict[str, Any], kind: str) -> bool:
    """Set the session tags of a witness; False when no request of the cell exists.

    Passing tags (or transitive keys) is a tagging call, and so is calling from a session with
    transitive tags: ``tags`` says whether the call tags; the slots of
    :func:`~trustsim.analysis.slot_builders.tag_slots` say which keys and values. Keys that
    collide (one key in two cases) cannot be passed together: such a witness is
    :class:`Unrealisable`, never a denial.
    """
    tagging = bool(values.get("tags"))
    keys = values.get("tag_keys")
    transitive = values.get("transitive")
    passed = _chosen(values, "rtag")
    if not tagging:
        return keys is None and transitive is None and not passed
    if keys is not None or transitive is not None:
        chosen: Sequence[str] = keys if keys is not None else (transitive or ())
        words = list(dict.fromkeys(chosen))
        if len({word.lower() for word in words}) != len(words):
            raise Unrealisable(f"session tag keys {words} differ only in case")
        options["tags"] = dict.fromkeys(words, "")
        if transitive is not None:
            options["transitive_tag_keys"] = words
        return True
    if passed:
        options["tags"] = passed
    elif "tag_keys" in values:
        # tagging without aws:TagKeys: only a session passing on its transitive tags
        return kind == "session"
    else:
        options["tags"] = _WITNESS_TAGS
    return True


def _incoming(values: Mapping[str, Any]) -> dict[str, str]:
    """The transitive tags a witness session carries (a tagging call without tags of its own)."""
    if values.get("tags") and "tag_keys" in values and values["tag_keys"] is None:
        return {_INCOMING_TAG: "tag"}
    return {}


def _chosen(values: Mapping[str, Any], family: str) -> dict[str, Any]:
    """The values chosen for the slots of one family (``claim:sub`` → ``sub``), absent ones left out."""
    prefix = f"{family}:"
    return {
        knob.removeprefix(prefix): value
        for knob, value in values.items()
        if knob.startswith(prefix) and value is not None
    }


def _carries(cell: Cell, value: str) -> bool:
    """Whether ``value`` lies in the cell's region of ``sts:SourceIdentity``."""
    for slot, region in zip(cell.caller_class.slots, cell.regions, strict=True):
        if slot.knob == "source_identity":
            return region.value is not None and signature_of(slot, value) == region.signature
    return True


def _in_one_org(cell: Cell, paths: tuple[str, ...]) -> tuple[str, ...]:
    """``paths`` with each value replaced by one of its region in a single organisation.

    An account's paths all lie in its organisation, while the regions' shortest values may
    not: for each organisation of the values, look for a value of every region among its
    paths (the automata, with one more language: the paths of that organisation). Raises
    :class:`Unrealisable` when no organisation holds them all.
    """
    slot = next(slot for slot in cell.caller_class.slots if slot.knob == "org_paths")
    assert slot.domain is not None  # noqa: S101 - a string slot
    for org in dict.fromkeys(path.partition("/")[0] for path in paths):
        found = explored(slot, org=org)
        chosen = []
        for path in paths:
            if path.startswith(f"{org}/"):
                chosen.append(path)
                continue
            twin = found.get((*signature_of(slot, path), True))
            if twin is None:
                break
            chosen.append(twin)
        else:
            return tuple(chosen)
    raise Unrealisable(f"{slot.name}: no organisation holds paths like {list(paths)}")


def _org(values: Mapping[str, Any]) -> OrgMembership | None:
    paths = values.get("org_paths")
    if paths is not None:
        # the organisation of the first path; paths of another one make the caller invalid
        # (InvalidCaller: the cell is Unrealisable, never denied)
        return OrgMembership(paths[0].partition("/")[0], paths=paths)
    org_id = values.get("org_id")
    return None if org_id is None else OrgMembership(org_id)


def _check_realised(request: AssumeRoleRequest, cell: Cell) -> None:
    """Raise :class:`Unrealisable` unless the request lies in every region of ``cell``."""
    for slot, region in zip(cell.caller_class.slots, cell.regions, strict=True):
        if slot.probes and slot.knob == "credentials":
            if region_of(slot, (region,), request) != 0:
                raise Unrealisable(f"{slot.name}: the witness does not lie in {region.text}")
            continue
        if slot.domain is None or not slot.keys:
            continue
        found = request.context.get_values(slot.keys[0])
        value = region.value
        if found == (None if value is None else (value,) if isinstance(value, str) else value):
            continue  # the region's own witness value lies in it
        if region_of(slot, (region,), request) != 0:
            raise Unrealisable(f"{slot.name}: the witness carries {found!r}, not {region.text}")
