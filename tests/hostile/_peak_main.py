"""``python -m trustsim`` that writes its own peak memory (``VmHWM``, in KB) to a file at exit.

A child's ``ru_maxrss`` (from ``os.wait4``) is no measure of the command: Linux carries the
high-water mark of the process image it replaced across ``exec``, so a child forked from a
600 MB pytest reports 600 MB whatever it does. ``VmHWM`` belongs to the new image alone.
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys
from pathlib import Path

PEAK_FILE_VARIABLE = "TRUSTSIM_TEST_PEAK_FILE"


def _own_peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("/proc/self/status has no VmHWM line")


def _report() -> None:
    Path(os.environ[PEAK_FILE_VARIABLE]).write_text(str(_own_peak_kb()))


if __name__ == "__main__":
    atexit.register(_report)
    sys.argv[0] = "trustsim"
    runpy.run_module("trustsim", run_name="__main__", alter_sys=True)
