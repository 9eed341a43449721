"""The market-potential model beside the naive baseline, on held-out estates.

A synthetic county (`potential.synthetic_county`, seeded) whose penetration follows the
survey factors plus noise, with grids that differ. Prints the K-fold error of the model
and of each grid's average penetration.

    .venv/bin/python bench/potential.py [--estates 600] [--grids 30] [--noise 0.06] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wangge.insights import potential


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estates", type=int, default=600)
    parser.add_argument("--grids", type=int, default=30)
    parser.add_argument("--noise", type=float, default=0.06)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    estates = potential.synthetic_county(args.estates, args.grids, args.noise, args.seed)
    start = time.perf_counter()
    ev = potential.cross_validate(estates, folds=args.folds)
    took = time.perf_counter() - start
    print(f"{ev.estates} estates, {ev.folds}-fold, {took * 1000:.0f} ms")
    print(f"{'':<28}{'MAE penetration':>16}{'MAE customers/estate':>22}")
    print(f"{'model (ridge, 9 factors)':<28}{ev.model_mae:>16.4f}{ev.model_customers_mae:>22.1f}")
    print(f"{'baseline (grid average)':<28}{ev.baseline_mae:>16.4f}"
          f"{ev.baseline_customers_mae:>22.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
