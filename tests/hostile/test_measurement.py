"""The bounds measure the command itself, not the pytest process that started it."""

from __future__ import annotations

from tests.hostile.conftest import PEAK_KB, Hostile


def test_a_large_test_process_does_not_count_toward_the_commands_peak(hostile: Hostile) -> None:
    # Forked from a process whose resident set exceeds the bound, a child's ru_maxrss would
    # report more than PEAK_KB whatever it did (Linux keeps the high-water mark across exec).
    ballast = bytearray((PEAK_KB + 100_000) * 1024)
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    run = hostile.run("--version")
    assert run.status == 0, run.both
    assert ballast[4096] == 1
