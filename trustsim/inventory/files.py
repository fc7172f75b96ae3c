"""Inventory files: one authorization-details dump, or a manifest naming dumps and an organisation.

:func:`load_inventory` and :func:`organization_from_spec` (both also at
:mod:`trustsim.inventory`); the values they build are :mod:`trustsim.inventory.model`'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trustsim._collector import collector_paused
from trustsim._files import read_named, read_reference
from trustsim.errors import InvalidPolicy
from trustsim.inventory.model import Inventory, InventoryError, Organization, OrgUnit, PolicyReader
from trustsim.loaders import load_policy
from trustsim.loaders.aws import load_authorization_details
from trustsim.loaders.json_text import read_json
from trustsim.model import Policy, PolicyKind

__all__ = ["load_inventory", "organization_from_spec"]


def load_inventory(path: str | os.PathLike[str]) -> Inventory:
    """Read an inventory file: one authorization-details dump, or a manifest naming several.

    A manifest is a JSON object with ``"authorization_details"`` (paths relative to the
    manifest) and optionally ``"oidc_providers"``, ``"saml_providers"`` and
    ``"organization"``::

        {"authorization_details": ["prod.json", "vendor.json"],
         "organization": {"id": "o-…", "root": "r-…", "management_account": "…",
                          "scps": ["deny-regions.json"], "rcps": [],
                          "units": [{"id": "ou-…", "parent": "r-…", "scps": [...]}],
                          "accounts": {"111122223333": {"parent": "ou-…", "scps": [...]}}}}

    Policies in the organisation are file paths (relative to the manifest) or inline objects.


    >>> import json, pathlib, tempfile
    >>> dump = {"RoleDetailList": [{"RoleName": "audit", "Path": "/",
    ...     "Arn": "arn:aws:iam::111122223333:role/audit", "AssumeRolePolicyDocument": {
    ...         "Version": "2012-10-17", "Statement": {"Effect": "Allow",
    ...         "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}}}]}
    >>> deny_outside = {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*",
    ...     "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = pathlib.Path(tmp)
    ...     _ = (folder / "prod.json").write_text(json.dumps(dump))
    ...     _ = (folder / "inventory.json").write_text(json.dumps({
    ...         "authorization_details": ["prod.json"],
    ...         "organization": {"id": "o-a1b2c3d4e5", "root": "r-ab12", "scps": [deny_outside],
    ...                          "accounts": {"111122223333": {"parent": "r-ab12"}}}}))
    ...     inventory = load_inventory(folder / "inventory.json")
    >>> role = inventory.role("arn:aws:iam::111122223333:role/audit").role
    >>> role.org.org_id, len(inventory.organization.root_scps)
    ('o-a1b2c3d4e5', 1)

    Raises:
        trustsim.errors.InvalidPolicy: a policy is refused.
        InventoryError: the manifest is malformed.
        OSError: a file cannot be read.
    """
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
    # Paused over every dump, not each in turn: a collection between two loads would walk
    # the dumps loaded before (trustsim._collector).
    with collector_paused():
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


# --------------------------------------------------------------------------- inventory files


def organization_from_spec(spec: object, where: str, read: PolicyReader) -> Organization:
    """An :class:`Organization` from its JSON block (inventory manifests, scenario files).

    ``{"id", "root", "management_account", "scps", "rcps", "units": [{"id", "parent",
    "scps", "rcps"}], "accounts": {ACCOUNT: PARENT or {"parent", "scps", "rcps"}}}``; each
    policy item is handed to ``read``.

    Raises:
        InventoryError: the block is malformed, or the organisation does not hold together.
        trustsim.errors.InvalidPolicy: a policy is refused.
    """
    return organization_block(spec, Path(), Path(), where, read)
