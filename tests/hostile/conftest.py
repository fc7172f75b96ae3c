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
import threading
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.hostile._peak_main import PEAK_FILE_VARIABLE

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
        peak_file = self.root / "peak-kb"
        peak_file.unlink(missing_ok=True)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(WORKTREE),
            "TRUSTSIM_HOSTILE_SECRET": SECRET,
            "PYTHONIOENCODING": "utf-8",
            PEAK_FILE_VARIABLE: str(peak_file),
        }
        command = [sys.executable, str(Path(__file__).with_name("_peak_main.py")), *argv]
        status, out, err, usage = _run_measured(command, self.repo, env, stdin, timeout)
        # The command's own peak, written by the child at exit: neither RUSAGE_CHILDREN (the
        # largest child ever waited for) nor the child's ru_maxrss (which keeps the high-water
        # mark of the forked pytest image across exec) measures the command itself.
        peak_kb = int(peak_file.read_text())
        assert peak_kb < PEAK_KB, f"peak memory {peak_kb} KB"
        return Run(
            status,
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"),
            usage.ru_utime + usage.ru_stime,
        )


def _run_measured(
    command: list[str], cwd: Path, env: dict[str, str], stdin: bytes, timeout: float
) -> tuple[int, bytes, bytes, resource.struct_rusage]:
    """Run ``command``; its exit status, output and its own resource usage (``os.wait4``)."""
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    streams: dict[str, bytes] = {}

    def drain(name: str, stream: Any) -> None:
        with stream:
            streams[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=("out", child.stdout)),
        threading.Thread(target=drain, args=("err", child.stderr)),
    ]
    for reader in readers:
        reader.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        child.kill()

    killer = threading.Timer(timeout, kill)
    killer.start()
    try:
        assert child.stdin is not None
        try:
            child.stdin.write(stdin)
            child.stdin.close()
        except BrokenPipeError:
            pass  # the command did not read its input
        _, wait_status, usage = os.wait4(child.pid, 0)
    finally:
        killer.cancel()
    child.returncode = os.waitstatus_to_exitcode(wait_status)
    for reader in readers:
        reader.join()
    if timed_out.is_set():
        raise subprocess.TimeoutExpired(command, timeout)
    return child.returncode, streams["out"], streams["err"], usage


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
