"""Optimisation on Dask: runs/s of one grid in this process and on a local Dask cluster of 1 and 2 workers, and the
per-task overhead of the cluster, all in the same invocation (with the load average, before and after).

The grid: SmaCross (vectorised path, commission 0.2%), ``--runs`` parameter sets (fast 2..21 x slow from 100 in
steps of 2, sampled without replacement to exactly ``--runs``) on ``--bars`` hourly bars of a random walk.

  in-process   optimize(...) with no cluster: every run in this process (after a small warm-up call)
  N workers    the same call on a LocalCluster of N single-threaded worker processes (started and warmed before
               the clock starts: the start-up and the scatter of the bars are printed separately); the results are
               checked identical to the in-process run. CPU time per run (this process's, the workers' summed)
               tells work from waiting: on a machine shared with other load, N workers get fewer than N cores
  overhead     an empty task's round trip (submit + result, one at a time; median) and per task in a batch of
               1,000 empty tasks (submitted together, gathered with as_completed)

    python benchmarks/dask_bench.py [--runs 1000] [--bars 1000000] [--workers 1,2]
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from terminal.backtest.cluster import Cluster  # noqa: E402
from terminal.backtest.optimize import optimize  # noqa: E402
from terminal.backtest.synthetic import random_walk  # noqa: E402
from terminal.strategy.builtin import SmaCross  # noqa: E402


def _noop(x: int) -> int:
    return x


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} cpus"


def grid_for(runs: int) -> dict[str, list[int]]:
    fast = list(range(2, 22))
    slow = list(range(100, 100 + 2 * -(-runs // len(fast)), 2))
    return {"fast": fast, "slow": slow}


def overhead(cluster: Cluster, rounds: int = 200, batch: int = 1000) -> tuple[float, float]:
    """(median round trip of one empty task, seconds per task in a batch of ``batch``)."""
    from distributed import as_completed
    client = cluster.client
    trips = []
    for i in range(rounds):
        t = time.perf_counter()
        client.submit(_noop, i, pure=False).result()
        trips.append(time.perf_counter() - t)
    t = time.perf_counter()
    futures = [client.submit(_noop, i, pure=False) for i in range(batch)]
    for f in as_completed(futures, loop=client.loop):
        f.result()
    return statistics.median(trips), (time.perf_counter() - t) / batch


def _cpu() -> float:
    return time.process_time()


def cluster_cpu(cluster: Cluster) -> float:
    """CPU seconds used so far by the cluster's worker processes."""
    return float(sum(cluster.client.run(_cpu).values()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--bars", type=int, default=1_000_000)
    ap.add_argument("--workers", default="1,2", help="comma-separated local cluster sizes")
    args = ap.parse_args()
    df = random_walk(args.bars, seed=1)
    grid = grid_for(args.runs)
    kw = dict(method="random", max_tries=args.runs, seed=0, commission=0.002)
    print(f"SmaCross grid of {args.runs:,} runs on {args.bars:,} bars; {load()}")
    optimize(df.iloc[:5000], SmaCross, {"fast": [5], "slow": [20]})  # first-call costs (imports) off the clock
    t, c = time.perf_counter(), time.process_time()
    here = optimize(df, SmaCross, grid, **kw)
    base, base_cpu = time.perf_counter() - t, time.process_time() - c
    assert len(here.results) == args.runs
    print(f"{'in-process':>12}: {base:8.2f} s  {args.runs / base:8.1f} runs/s  "
          f"(CPU {base_cpu / args.runs * 1e3:.1f} ms per run)")
    for n in (int(w) for w in args.workers.split(",")):
        t = time.perf_counter()
        with Cluster(workers=n) as cluster:
            cluster.client.wait_for_workers(n)
            started = time.perf_counter() - t
            t = time.perf_counter()
            cluster.share(df)
            cluster.client.run(len, [])  # every worker up
            shipped = time.perf_counter() - t
            t, c = time.perf_counter(), cluster_cpu(cluster)
            there = optimize(df, SmaCross, grid, cluster=cluster, processes="always", **kw)
            took, cpu = time.perf_counter() - t, cluster_cpu(cluster) - c
            same = there.results.equals(here.results)
            trip, per_task = overhead(cluster)
        print(f"{f'{n} worker' + ('s' if n > 1 else ''):>12}: {took:8.2f} s  {args.runs / took:8.1f} runs/s  "
              f"x{base / took:.2f} vs in-process  (workers' CPU {cpu / args.runs * 1e3:.1f} ms per run; cluster "
              f"start {started:.2f} s, scatter {shipped:.2f} s; results identical: {'yes' if same else 'NO'})")
        print(f"{'overhead':>12}: empty task round trip {trip * 1e3:.2f} ms (median of 200), "
              f"{per_task * 1e3:.2f} ms per task in a batch of 1,000; {load()}")
        if not same:
            pd.testing.assert_frame_equal(here.results, there.results)


if __name__ == "__main__":
    main()
