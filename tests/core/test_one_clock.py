"""Nothing but `wangge.core.clock` reads the wall clock, so tests can move time for all."""

from __future__ import annotations

import re
from pathlib import Path

import wangge

WALL_CLOCK = re.compile(
    r"timezone\.now\b|timezone\.localdate\b|date\.today\(|datetime\.now\(|datetime\.utcnow\("
    r"|time\.time\(|\{% now "
)


def test_only_the_clock_reads_the_wall_clock() -> None:
    root = Path(wangge.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{n}: {line.strip()}"
        for path in sorted(root.rglob("*"))
        if path.suffix in {".py", ".html"}
        and "migrations" not in path.parts
        and path != root / "core" / "clock.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WALL_CLOCK.search(line)
    ]
    assert offenders == []
