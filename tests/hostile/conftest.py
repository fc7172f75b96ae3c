"""A hostile pull request's repository, and a way to run ``trustsim`` on it (docs/security.md).

Each test gets ``repo`` (the checkout, the current directory of the run) next to ``outside``
(what the job can read but the repository must not reach: a credentials file). The command
runs in a child process, so that its CPU time and peak memory can be measured and a hang ends
at the timeout; the secret is also in the child's environment (``/proc/self/environ``).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

WORKTREE = Path(__file__).resolve().parents[2]
SECRET = "SECRETSECRET-hostile-4f1c9a"
CREDENTIALS = f"[default]\naws_access_key_id = AKIA{SECRET}\naws_secret_access_key = {SECRET}\n"
#: Generous bounds: a refusal costs an interpreter start (a few tenths of a second).
CPU_SECONDS = 8.0
PEAK_KB = 600_000


@attrs.frozen
class Run:
    status: int
    out: str
    err: str
    cpu: float

    @property
    def both(self) -> str:
        return self.out + self.err

    def json(self) -> Any:
        return json.loads(self.out)


@attrs.frozen
class Hostile:
    root: Path
    repo: Path
    outside: Path

    def write(self, name: str, content: object) -> Path:
        path = self.repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            text = content if isinstance(content, str) else json.dumps(content)
            path.write_text(text, encoding="utf-8")
        return path

    def link(self, name: str, target: str | Path) -> Path:
        path = self.repo / name
        path.symlink_to(target)
        return path

    def run(self, *argv: str, stdin: bytes = b"", timeout: float = 60) -> Run:
        """``trustsim ARGV…`` in the repository; the secret is in its environment too."""
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(WORKTREE),
            "TRUSTSIM_HOSTILE_SECRET": SECRET,
            "PYTHONIOENCODING": "utf-8",
        }
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "trustsim", *argv],
            cwd=self.repo,
            env=env,
            input=stdin,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        assert after.ru_maxrss < PEAK_KB, f"peak memory {after.ru_maxrss} KB"
        return Run(
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
            cpu,
        )


def assert_refused(run: Run, *, status: int = 2) -> None:
    """Exit ``status``, nothing of the secret anywhere, no traceback, bounded CPU time."""
    assert run.status == status, run.both
    assert SECRET not in run.both
    assert "aws_secret_access_key" not in run.both
    assert "Traceback" not in run.both
    assert run.cpu < CPU_SECONDS, f"{run.cpu:.1f} s of CPU"


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hostile:
    repo = tmp_path / "repo"
    outside = tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (outside / "credentials").write_text(CREDENTIALS)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("TRUSTSIM_HOSTILE_SECRET", SECRET)
    return Hostile(tmp_path, repo, outside)
