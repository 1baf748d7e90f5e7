"""Time the likelihood landscape page's computations: ``python -m benchmarks.landscape``.

For Old Faithful's eruptions (N = 272, a bundled data set) and N = 10,000 points drawn from a
two-component mixture, with K = 2, π = (½, ½), σ² = the data's variance / 4, tol 10⁻⁶ and at
most 500 iterations:

* ``basins``: EM from every cell of a 60 × 60 grid of (μ₁, μ₂) — 3,600 runs to convergence —
  with ``gmm_core.landscape.basins`` (one compiled pass, threads over the starts), grouping into
  optima included. Reference, in the same run: the same fits one at a time with
  ``gmm_core.run_em`` (the EM the stepper and the explorer use), on every ``--stride``-th start
  and scaled up to 3,600 (the runs are alike, so the sample's mean time stands for all).
  Target (N = 272): under 2 s, interactive on the bundled data sets.
* ``surface``: log L on the page's 100 × 100 grid (``gmm_core.landscape.mean_surface``).
  Reference: the same values with numpy, one (μ₁, μ₂) row at a time.

It prints the wall time (median of ``--repeats``), the target where there is one, the
reference time and the ratio. ``--quick`` runs a 20 × 20 grid (for the smoke test).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import numpy as np

from benchmarks.common import timings
from gmm_core import MixtureParams, default_var_floor, run_em, sample
from gmm_core.data import load_dataset
from gmm_core.landscape import basins, mean_grid, mean_surface

TOL = 1e-6
MAX_ITER = 500
TARGET_S = 2.0
HEADER = (
    f"{'workload':<34} {'ours (s)':>9} {'target (s)':>10} {'':>5} {'reference (s)':>13} "
    f"{'ratio':>7}"
)


def median_time(work: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``work`` over ``repeats`` calls, in seconds."""
    return float(np.median(timings(work, repeats)))


def data_sets() -> list[tuple[str, np.ndarray]]:
    truth = MixtureParams([0.4, 0.6], [0.0, 3.0], [1.0, 0.5])
    generated, _ = sample(truth, 10_000, np.random.default_rng(0))
    return [
        ("Old Faithful N=272", load_dataset("old_faithful_eruptions")),
        ("generated N=10,000", generated),
    ]


def row(name: str, ours: float, target: float | None, reference: float) -> str:
    want = f"{target:.1f}" if target is not None else "-"
    verdict = ("PASS" if ours < target else "MISS") if target is not None else ""
    return (
        f"{name:<34} {ours:>9.3f} {want:>10} {verdict:>5} {reference:>13.3f} "
        f"{reference / ours:>6.1f}×"
    )


def bench_basins(label: str, x: np.ndarray, side: int, stride: int, repeats: int) -> str:
    weights = np.array([0.5, 0.5])
    variances = np.full(2, np.var(x) / 4)
    grid = mean_grid(x, side)
    floor = default_var_floor(x)

    def ours() -> None:
        basins(x, weights, variances, grid, grid, var_floor=floor, tol=TOL, max_iter=MAX_ITER)

    cells = [(a, b) for b in grid for a in grid]
    sampled = cells[::stride]

    def reference() -> None:
        for a, b in sampled:
            run_em(
                x,
                MixtureParams(weights, [a, b], variances),
                var_floor=floor,
                tol=TOL,
                max_iter=MAX_ITER,
            )

    ours()  # compile or load the kernel outside the timing
    t_ours = median_time(ours, repeats)
    t_ref = median_time(reference, 1) * len(cells) / len(sampled)
    target = TARGET_S if x.size < 1000 and side == 60 else None
    return row(f"basins {side}×{side} {label}", t_ours, target, t_ref)


def bench_surface(label: str, x: np.ndarray, side: int, repeats: int) -> str:
    weights = np.array([0.5, 0.5])
    variances = np.full(2, np.var(x) / 4)
    grid = mean_grid(x, side)

    def reference() -> None:
        coef = np.log(weights) - 0.5 * np.log(2 * np.pi * variances)
        a1 = coef[0] - (x[None, :] - grid[:, None]) ** 2 / (2 * variances[0])
        for mu2 in grid:
            a2 = coef[1] - (x - mu2) ** 2 / (2 * variances[1])
            np.logaddexp(a1, a2[None, :]).sum(axis=1)

    mean_surface(x, weights, variances, grid, grid)
    t_ours = median_time(lambda: mean_surface(x, weights, variances, grid, grid), repeats)
    t_ref = median_time(reference, 1)
    return row(f"surface {side}×{side} {label}", t_ours, None, t_ref)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; returns the exit status (0)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 20 × 20 grid (smoke test)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--stride",
        type=int,
        default=0,
        help="reference: time every s-th start (default 1 at N = 272, 20 above)",
    )
    args = parser.parse_args(argv)
    side, surface_side = (20, 30) if args.quick else (60, 100)
    print(
        f"K = 2, π = (½, ½), σ² = var(x)/4, tol {TOL:g}, at most {MAX_ITER} iterations; "
        f"reference = gmm_core.run_em one start at a time (basins), numpy (surface)"
    )
    print(HEADER)
    for label, x in data_sets():
        stride = args.stride or (1 if x.size < 1000 else 20)
        print(bench_basins(label, x, side, stride, args.repeats), flush=True)
        print(bench_surface(label, x, surface_side, args.repeats), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
