"""Inventory files: one authorization-details dump, or a manifest naming dumps and an organisation.

The reading behind :func:`trustsim.inventory.load_inventory` and
:func:`trustsim.inventory.organization_from_spec` (documented there); the inventory model
itself is :mod:`trustsim.inventory`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trustsim._files import read_named, read_reference
from trustsim.errors import InvalidPolicy
from trustsim.inventory import Inventory, InventoryError, Organization, OrgUnit, PolicyReader
from trustsim.loaders import load_policy
from trustsim.loaders.aws import load_authorization_details
from trustsim.loaders.json_text import read_json
from trustsim.model import Policy, PolicyKind


def read_inventory(path: str | os.PathLike[str]) -> Inventory:
    """:func:`trustsim.inventory.load_inventory`: a dump, or a manifest and what it names."""
    location = Path(path)
    data, root = read_named(location)
    try:
        document = read_json(data)
    except InvalidPolicy as error:
        reason = error.problems[0].message if error.problems else "unreadable"
        position = error.position_of("")
        where = f" (line {position})" if position is not None else ""
        raise InventoryError(f"{location}: not JSON{where}: {reason}") from None
    value = document.value
    if not (isinstance(value, dict) and "authorization_details" in value):
        return Inventory.from_authorization_details(
            load_authorization_details(data, origin=str(location))
        )
    if document.problems:
        raise InventoryError(f"{location}: {document.problems[0].message}")
    base = location.parent
    dumps = value["authorization_details"]
    if not isinstance(dumps, list) or not all(isinstance(d, str) for d in dumps):
        raise InventoryError(f"{location}: authorization_details must be a list of file paths")
    where = str(location)
    organization = None
    if value.get("organization") is not None:
        organization = organization_block(value["organization"], base, root, where)
    return Inventory.from_authorization_details(
        *(
            load_authorization_details(
                read_reference(d, folder=base, root=root), origin=str(base / d)
            )
            for d in dumps
        ),
        organization=organization,
        oidc_providers=_strings(value.get("oidc_providers", []), where, "oidc_providers"),
        saml_providers=_strings(value.get("saml_providers", []), where, "saml_providers"),
    )


def _strings(items: object, where: str, label: str) -> list[str]:
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise InventoryError(f"{where}: {label} must be a list of strings")
    return items


def _text(spec: Mapping[str, object], field: str, where: str, label: str) -> str:
    value = spec.get(field)
    if not isinstance(value, str):
        raise InventoryError(f"{where}: {label} needs a string {field!r}")
    return value


def _object(value: object, where: str, label: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InventoryError(f"{where}: {label} must be a JSON object")
    return value


_ORG_FIELDS = frozenset({"id", "root", "management_account", "scps", "rcps", "units", "accounts"})
_UNIT_FIELDS = frozenset({"id", "parent", "scps", "rcps", "name"})
_ACCOUNT_FIELDS = frozenset({"parent", "scps", "rcps"})


def _known(block: Mapping[str, object], fields: frozenset[str], where: str, label: str) -> None:
    # A misspelt member ("rcp") would silently drop its policies: refused instead.
    unknown = sorted(set(block) - fields)
    if unknown:
        raise InventoryError(
            f"{where}: unknown field(s) in {label}: {', '.join(unknown)} "
            f"(expected {', '.join(sorted(fields))})"
        )


def organization_block(
    spec: object, base: Path, allowed: Path, where: str, read: PolicyReader | None = None
) -> Organization:
    """The organisation a JSON block describes.

    Its policies are files under ``base`` (within ``allowed``) or inline objects, or each is
    handed to ``read`` when given.
    """
    if not isinstance(spec, dict) or "id" not in spec or "root" not in spec:
        raise InventoryError(f"{where}: organization needs at least 'id' and 'root'")
    root = _text(spec, "root", where, "organization")
    _known(spec, _ORG_FIELDS, where, "organization")

    def policies(items: object, kind: PolicyKind, label: str) -> tuple[Policy, ...]:
        if items is None:
            return ()
        if not isinstance(items, list):
            raise InventoryError(f"{where}: {label} must be a list of files or policies")
        if read is not None:
            return tuple(read(item, kind, f"{label}[{i}]") for i, item in enumerate(items))
        return tuple(
            load_policy(item, kind=kind)
            if isinstance(item, dict)
            else load_policy(
                read_reference(str(item), folder=base, root=allowed),
                kind=kind,
                origin=str(base / str(item)),
            )
            for item in items
        )

    unit_specs = spec.get("units", [])
    if not isinstance(unit_specs, list):
        raise InventoryError(f"{where}: organization units must be a list")
    units = []
    for item in unit_specs:
        unit = _object(item, where, "each organization unit")
        _known(unit, _UNIT_FIELDS, where, "an organization unit")
        unit_id = _text(unit, "id", where, "an organization unit")
        units.append(
            OrgUnit(
                unit_id,
                _text(unit, "parent", where, f"OU {unit_id}"),
                policies(unit.get("scps"), PolicyKind.SCP, f"OU {unit_id} scps"),
                policies(unit.get("rcps"), PolicyKind.RCP, f"OU {unit_id} rcps"),
                unit.get("name"),
            )
        )
    accounts: dict[str, str] = {}
    account_scps: dict[str, tuple[Policy, ...]] = {}
    account_rcps: dict[str, tuple[Policy, ...]] = {}
    placements = _object(spec.get("accounts", {}), where, "organization accounts")
    for account_id, placement in placements.items():
        if isinstance(placement, str):
            accounts[account_id] = placement
            continue
        place = _object(placement, where, f"account {account_id}")
        _known(place, _ACCOUNT_FIELDS, where, f"account {account_id}")
        accounts[account_id] = _text({"parent": root, **place}, "parent", where, account_id)
        account_scps[account_id] = policies(place.get("scps"), PolicyKind.SCP, account_id)
        account_rcps[account_id] = policies(place.get("rcps"), PolicyKind.RCP, account_id)
    management = spec.get("management_account")
    if management is not None and not isinstance(management, str):
        raise InventoryError(f"{where}: organization management_account must be text")
    return Organization(
        _text(spec, "id", where, "organization"),
        root,
        management_account=management,
        root_scps=policies(spec.get("scps"), PolicyKind.SCP, "root scps"),
        root_rcps=policies(spec.get("rcps"), PolicyKind.RCP, "root rcps"),
        units=units,
        accounts=accounts,
        account_scps=account_scps,
        account_rcps=account_rcps,
    )
