"""Keep tests/data/conformance equal to the upstream conformance folder.

The conformance cases are maintained outside this repository (beside it, as
``../shared/conformance``, in the project's workspace and CI). The test suite reads the copy
in ``tests/data/conformance`` so that a clone runs on its own; this script refreshes the copy,
and ``--check`` (run by ``.ci/run``) fails when the two differ::

    python scripts/sync_conformance.py            # copy upstream -> tests/data/conformance
    python scripts/sync_conformance.py --check    # exit 1, listing the differences

``--source`` names another upstream folder (default: ``../shared/conformance`` from the
repository root). Every file is compared byte for byte; files present on only one side count
as differences.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "conformance"
COPY = REPO_ROOT / "tests" / "data" / "conformance"


def _files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def differences(source: Path, copy: Path) -> list[str]:
    """One line per file that differs between ``source`` and ``copy`` (empty when equal)."""
    upstream, local = _files(source), _files(copy)
    lines = []
    for name in sorted(upstream.keys() | local.keys()):
        if name not in local:
            lines.append(f"missing from the copy: {name}")
        elif name not in upstream:
            lines.append(f"not upstream (remove it): {name}")
        elif upstream[name] != local[name]:
            lines.append(f"differs from upstream: {name}")
    return lines


def sync(source: Path, copy: Path) -> list[str]:
    """Make ``copy`` equal to ``source``; return what changed."""
    changed = differences(source, copy)
    if copy.exists():
        shutil.rmtree(copy)
    copy.mkdir(parents=True)
    for name, data in _files(source).items():
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Run the command line; 0 when the copy is (or now is) equal to upstream."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if different")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="upstream folder")
    parser.add_argument("--copy", type=Path, default=COPY, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        print(f"sync_conformance: no upstream folder at {args.source}", file=sys.stderr)
        return 2
    if args.check:
        diff = differences(args.source, args.copy)
        for line in diff:
            print(f"sync_conformance: {line}", file=sys.stderr)
        if diff:
            print("run: python scripts/sync_conformance.py", file=sys.stderr)
            return 1
        print(f"sync_conformance: {args.copy} equals {args.source}")
        return 0
    for line in sync(args.source, args.copy):
        print(f"sync_conformance: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
