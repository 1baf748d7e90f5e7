"""Time one EM iteration on data read from disk in chunks: ``python -m benchmarks.chunked``.

Writes N values (default 10⁸, 800 MB of float64) from a 3-component mixture to a temporary
``.npy`` file (in chunks, never the whole array in memory), then times, in seconds per
iteration (the time of 1 + ``--iterations`` iterations minus that of 1, over ``--iterations``):

* ``in memory``: the reference, :func:`gmm_core.em.em_step` on the whole array loaded in RAM
  (the fused kernel's own threads); skipped with ``--no-reference`` (it needs 8·N bytes);
* ``npy chunks``: :func:`gmm_core.chunked.fit_chunked` over :class:`~gmm_core.chunked.NpyChunks`
  (a memory map read chunk by chunk, one chunk at a time in this process);
* ``dask threads``: the same over ``dask.array.from_array(memmap)`` on Dask's threaded
  scheduler (chunks in parallel), when Dask is installed;

with the ratio to the reference, and checks that all give the same log-likelihood trace
log L(θ0), …, log L(θ_it) (to 1e-9 relative: the chunk sums are added in another order); a
mismatch makes the exit status 1. The file is deleted at the end
(also on errors). Disk use is 8·N bytes; the script refuses N above 2·10⁸ (1.6 GB).

Options: ``--quick`` (N = 10⁶, small chunks: a smoke run), ``--n``, ``--chunk``,
``--iterations``, ``--dir`` (where the temporary file goes), ``--no-reference``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from gmm_core import MixtureParams, default_var_floor, sample
from gmm_core.chunked import NpyChunks, fit_chunked
from gmm_core.em import em_step

TRUTH = MixtureParams([0.3, 0.5, 0.2], [-4.0, 0.0, 5.0], [1.0, 0.5, 2.0])
START = MixtureParams([1 / 3, 1 / 3, 1 / 3], [-3.0, 1.0, 4.0], [2.0, 2.0, 2.0])
MAX_POINTS = 200_000_000
WRITE_BLOCK = 4_000_000
HEADER = f"{'source':>14} | {'s / iteration':>13} | {'ratio to in memory':>18} | final log L"


def write_npy(path: Path, n: int, seed: int = 0) -> None:
    """Write ``n`` values drawn from TRUTH to ``path`` as a 1-D float64 .npy, block by block."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n,))
    rng = np.random.default_rng(seed)
    for start in range(0, n, WRITE_BLOCK):
        stop = min(n, start + WRITE_BLOCK)
        out[start:stop], _ = sample(TRUTH, stop - start, rng)
    out.flush()
    del out


def time_iterations(run: Callable[[int], np.ndarray], iterations: int) -> tuple[float, np.ndarray]:
    """(seconds per iteration, log L trace) of ``run(max_iter)``, which returns its trace.

    The time of ``iterations + 1`` iterations minus that of 1 (which includes the set-up
    passes) over ``iterations``, after one untimed warm-up run; each is timed once (they are
    long at 10⁸ values).
    """
    run(1)  # warm-up: compiled kernels, page cache, thread pools
    t0 = time.perf_counter()
    run(1)
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    lls = run(iterations + 1)
    more = time.perf_counter() - t0
    return max(more - one, 0.0) / iterations, lls


def in_memory(path: Path, floor: float) -> Callable[[int], np.ndarray]:
    x = np.load(path)  # the whole array in RAM

    def run(max_iter: int) -> np.ndarray:
        theta, lls = START, []
        for _ in range(max_iter + 1):
            step = em_step(x, theta, var_floor=floor)
            lls.append(step.log_likelihood)
            theta = step.params
        return np.asarray(lls)

    return run


def chunked(source: object, floor: float, scheduler: object = None) -> Callable[[int], np.ndarray]:
    def run(max_iter: int) -> np.ndarray:
        result = fit_chunked(
            source, 3, start=START, var_floor=floor, tol=0.0, max_iter=max_iter,
            scheduler=scheduler,
        )  # fmt: skip
        return result.log_likelihoods

    return run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 10⁶ (smoke run)")
    parser.add_argument("--n", type=float, default=1e8, help="number of values (default 1e8)")
    parser.add_argument("--chunk", type=float, default=4_194_304, help="points per chunk")
    parser.add_argument("--iterations", type=int, default=3, help="timed iterations")
    parser.add_argument("--dir", type=Path, default=None, help="directory for the .npy file")
    parser.add_argument("--no-reference", action="store_true", help="skip the in-memory run")
    args = parser.parse_args(argv)
    n, chunk = (1_000_000, 65_536) if args.quick else (int(args.n), int(args.chunk))
    if not 1_000 <= n <= MAX_POINTS:
        parser.error(f"--n must be between 1e3 and {MAX_POINTS:.0e} (disk use 8·N bytes)")
    if args.iterations < 1 or chunk < 1:
        parser.error("--iterations and --chunk must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="emlab-chunked-", dir=args.dir))
    try:
        path = workdir / "x.npy"
        t0 = time.perf_counter()
        write_npy(path, n)
        print(f"wrote {n:.3g} values ({path.stat().st_size / 2**20:.0f} MiB) to {path} "
              f"in {time.perf_counter() - t0:.1f} s; chunks of {chunk:,} points")  # fmt: skip
        # The floor from a sample (any positive floor will do: nothing collapses here).
        floor = default_var_floor(np.load(path, mmap_mode="r")[:: max(1, n // 100_000)])
        runs: list[tuple[str, Callable[[int], np.ndarray]]] = []
        if not args.no_reference:
            runs.append(("in memory", in_memory(path, floor)))
        runs.append(("npy chunks", chunked(NpyChunks(path, chunk), floor)))
        try:
            import dask.array as da

            mm = np.load(path, mmap_mode="r")
            runs.append(
                ("dask threads", chunked(da.from_array(mm, chunks=chunk), floor, "threads"))
            )
        except ImportError:
            print("dask not installed: no Dask row (pip install 'dask[array]')")

        print(HEADER)
        reference_s, reference_lls, status = None, None, 0
        for name, run in runs:
            seconds, lls = time_iterations(run, args.iterations)
            if reference_lls is None:  # the first row is the one the others must agree with
                reference_s, reference_lls = seconds, lls
                same = ""
            else:
                agree = np.allclose(lls, reference_lls, rtol=1e-9, atol=0.0)
                same = " (same trace)" if agree else " MISMATCH: another log L trace"
                status |= 0 if agree else 1
            if args.no_reference:
                ratio = "-"
            elif same == "":  # the reference itself (its time may round to 0 on tiny data)
                ratio = "1.00×"
            else:
                ratio = f"{seconds / max(reference_s, 1e-12):.2f}×"
            print(f"{name:>14} | {seconds:>13.4f} | {ratio:>18} | {lls[-1]:.10g}{same}")
        return status
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
