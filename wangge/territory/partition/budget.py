"""The search's allowance, counted in operations so that the plan does not depend on the machine.

A wall-clock deadline cut the search short whenever the machine was busy (at load 19 on two
cores households came out at ±3.5–6.9% instead of ±2%), and two runs with the same seed could
give different plans. The phases of the search instead spend operations (about one per
adjacency entry or cell they scan), which are the same on every run, so the same problem and
seed give the same plan however loaded the machine is, also when the budget runs out. A CPU
time limit (`time.process_time`, which does not count the time other processes hold the CPU)
can be set on top as a last guard; when that one ends the search, the plan is no longer
reproducible, and `stopped` says so.
"""

from __future__ import annotations

import time

# Default operations per adjacency entry: the search on the bench instance at 10k sites
# converges on about a sixth of this (docs/grid-division.md), so it binds only on inputs where
# the search would otherwise run for minutes.
PER_ENTRY = 4000


class Budget:
    def __init__(self, operations: float, cpu_seconds: float | None = None) -> None:
        self.operations = float(operations)
        self.spent = 0.0
        self.stopped = ""  # "", "operations" or "cpu": what ended the search early
        self._cpu_end = time.process_time() + cpu_seconds if cpu_seconds is not None else None

    def spend(self, operations: float) -> None:
        self.spent += operations

    def over(self) -> bool:
        if self.spent >= self.operations:
            self.stopped = self.stopped or "operations"
            return True
        if self._cpu_end is not None and time.process_time() > self._cpu_end:
            self.stopped = self.stopped or "cpu"
            return True
        return False
