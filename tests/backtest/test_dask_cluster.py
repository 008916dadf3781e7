"""Optimisation on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes started by this module
on 127.0.0.1 (and stopped by it), and the default local cluster.

Results on the cluster are identical to an in-process run (same ranking, same figures, for every method and for
walk-forward); the bars are scattered to the workers once per job; progress reaches 100%; cancel leaves no task on
the cluster; a run that raises names its parameters; a scheduler that cannot be reached is one line naming it; a
multi-symbol backtest gives the same figures with each symbol's bars on one worker.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
from pathlib import Path

import pandas as pd
import psutil
import pytest
from distributed import get_task_stream

from terminal.backtest.batch import backtest_many
from terminal.backtest.cli import main
from terminal.backtest.engine import run_backtest
from terminal.backtest.cluster import Cluster, ClusterUnreachable, TaskFailed
from terminal.backtest.optimize import _resolve, optimize, walk_forward
from terminal.backtest.synthetic import random_walk
from terminal.strategy.builtin import RsiReversion, SmaCross
from terminal.strategy.loader import load_file
from tests.children import python_code

ROOT = Path(__file__).resolve().parents[2]
DASK = "from dask.__main__ import main\nsys.argv[0] = 'dask'\nraise SystemExit(main())\n"
SMA_GRID = {"fast": [5, 10, 15, 20], "slow": [10, 20, 30, 40, 50]}
RSI_GRID = {"window": [7, 14], "lower": [20, 30], "upper": [70, 80]}


class DaskProcesses:
    """A scheduler and workers as the user starts them (``dask scheduler`` / ``dask worker``), each dying with the
    test run (tests/children.py), stopped by SIGTERM then SIGKILL in teardown; their output goes to log files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.scheduler_file = folder / "scheduler.json"
        self.procs: list[subprocess.Popen[bytes]] = []

    def _start(self, name: str, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with open(self.folder / f"{name}.log", "wb") as log:
            self.procs.append(subprocess.Popen(python_code(DASK, *args), cwd=ROOT, env=env, stdout=log,
                                               stderr=subprocess.STDOUT, start_new_session=True))

    def start(self, workers: int) -> None:
        self._start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(self.scheduler_file))
        for k in range(workers):
            self._start(f"worker{k}", "worker", "--scheduler-file", str(self.scheduler_file), "--nworkers", "1",
                        "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1")

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """(scheduler address, a client watching the cluster) once two workers have joined."""
    from distributed import Client

    procs = DaskProcesses(tmp_path_factory.mktemp("dask"))
    procs.start(workers=2)
    client = None
    try:
        client = Client(scheduler_file=str(procs.scheduler_file), timeout=60, set_as_default=False)
        client.wait_for_workers(2, timeout=60)  # the scheduler's own count of workers, polled by distributed
        assert len(client.scheduler_info()["workers"]) == 2
        yield client.scheduler.address, client
    finally:
        if client is not None:
            client.close()
        procs.stop()


@pytest.fixture(scope="module")
def bars():
    return random_walk(2000, seed=21)


def _idle(client) -> bool:
    """Nothing queued or running on any worker once a task pinned to each worker has run (a worker runs one task at a
    time, so a task of ours still running there would be in front of it)."""
    workers = list(client.scheduler_info()["workers"])
    for w in workers:
        client.submit(len, [], workers=[w], pure=False).result(timeout=60)
    processing = client.processing()
    executing = client.run(lambda dask_worker: len(dask_worker.state.executing) + len(dask_worker.state.ready))
    ours = client.run_on_scheduler(lambda dask_scheduler: [str(k) for k in dask_scheduler.tasks
                                                          if "_eval_chunk" in str(k)])
    return all(not v for v in processing.values()) and not any(executing.values()) and not ours


def test_every_method_on_two_workers_equals_the_in_process_run_and_ships_the_bars_once(dask_cluster, bars):
    address, watch = dask_cluster
    searches = [(SmaCross, SMA_GRID, dict(method="grid", commission=0.002)),
                (SmaCross, SMA_GRID, dict(method="halving", halving_eta=2)),
                (RsiReversion, RSI_GRID, dict(method="random", max_tries=5, seed=3, maximize="Return [%]"))]
    with Cluster(address) as cluster:
        for cls, grid, kw in searches:
            seen: list[tuple[int, int]] = []
            here = optimize(bars, cls, grid, **kw)
            there = optimize(bars, cls, grid, cluster=cluster, chunksize=2, progress=lambda d, t: seen.append((d, t)),
                             **kw)
            pd.testing.assert_frame_equal(here.results, there.results, check_exact=True)
            assert here.best == there.best and here.skipped == there.skipped and not there.cancelled
            assert seen and seen[-1][0] == seen[-1][1] == len(there.results)  # the last round reached 100%
        wf_here = walk_forward(bars, SmaCross, SMA_GRID, 3, commission=0.002)
        wf_there = walk_forward(bars, SmaCross, SMA_GRID, 3, commission=0.002, cluster=cluster)
        pd.testing.assert_frame_equal(wf_here, wf_there, check_exact=True)
        frames = watch.run_on_scheduler(lambda dask_scheduler: {
            str(k): sorted(ws.address for ws in ts.who_has or ())
            for k, ts in dask_scheduler.tasks.items() if str(k).startswith("DataFrame-")})
        assert len(frames) == 1, frames  # one copy of the bars for every search, halving round and fold...
        assert len(next(iter(frames.values()))) == 2  # ...held by both workers
        worked = watch.run(lambda dask_worker: len(dask_worker.state.log))
        assert all(worked.values())  # both workers took part
    assert _idle(watch)


def test_the_command_line_on_the_cluster_prints_what_the_local_run_prints_with_progress(dask_cluster, tmp_path,
                                                                                        capsys):
    address, _ = dask_cluster
    path = tmp_path / "bars.csv"
    random_walk(1500, seed=8).to_csv(path, index_label="Date")
    args = ["optimize", "--strategy", "sma_cross", "--grid", "fast=5:15:5", "--grid", "slow=10:30:10", "--data",
            str(path), "--json", "--top", "20"]
    assert main(args) == 0
    here = capsys.readouterr()
    assert main([*args, "--scheduler", address]) == 0
    there = capsys.readouterr()
    assert json.loads(there.out) == json.loads(here.out)
    lines = there.err.splitlines()
    assert lines and lines[-1].endswith("7/7 runs (100%)"), there.err


def test_cancel_in_the_middle_leaves_no_task_on_the_cluster_and_keeps_the_finished_runs(dask_cluster):
    address, watch = dask_cluster
    data = random_walk(20_000, seed=5)
    grid = {"window": list(range(2, 42))}
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        cancel.set()  # after the first finished chunk

    with get_task_stream(client=watch) as stream:  # every task the workers ran, as the scheduler saw it
        res = optimize(data, RsiReversion, grid, scheduler=address, chunksize=1, progress=progress, cancel=cancel,
                       maximize="Return [%]")
        assert res.cancelled
        assert 1 <= len(res.results) < len(grid["window"])
        assert _idle(watch)
    ran = [t for t in stream.data if "_eval_chunk" in str(t["key"])]
    print(f"{len(ran)} of {len(grid['window'])} tasks ran")
    assert len(ran) < len(grid["window"]) // 2  # the work stopped: the queued runs never ran


FRAGILE = """
from terminal.strategy.base import Param, Strategy


class Fragile(Strategy):
    \"\"\"Raises on its third bar when ``bad`` is 3.\"\"\"
    name = "fragile"
    parameters = {"bad": Param(int, 0, minimum=0)}

    def on_start(self):
        self.seen = 0

    def on_bar(self, bar):
        self.seen += 1
        if self.p.bad == 3 and self.seen == 3:
            raise ZeroDivisionError("three")
"""


def test_a_run_that_raises_on_a_worker_is_reported_with_its_parameters(dask_cluster, bars, tmp_path):
    address, watch = dask_cluster
    path = tmp_path / "fragile.py"
    path.write_text(FRAGILE)
    (fragile,) = load_file(path)  # a user's strategy file: it travels to the workers as its source
    grid = {"bad": [1, 2, 3, 4, 5, 6]}
    with pytest.raises(TaskFailed, match=r"^run bad=3 failed: StrategyError: .*three") as info:
        optimize(bars.iloc[:300], fragile, grid, scheduler=address, chunksize=1)
    assert info.value.item == {"bad": 3}
    with pytest.raises(TaskFailed, match=r"^run bad=3 failed: StrategyError: .*three"):  # the same in this process
        optimize(bars.iloc[:300], fragile, grid)
    assert _idle(watch)


def test_a_strategy_file_missing_on_a_worker_is_loaded_from_the_source_it_was_sent(tmp_path):
    ref = ("file", str(tmp_path / "elsewhere" / "fragile.py"), "Fragile", FRAGILE)  # that path does not exist here
    cls = _resolve(ref)
    assert cls.name == "fragile" and set(cls.parameters) == {"bad"}
    assert _resolve(ref) is cls  # loaded once per worker process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_scheduler_that_cannot_be_reached_is_one_line_naming_it_and_exit_2(bars, tmp_path, capsys):
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    path = tmp_path / "bars.csv"
    bars.to_csv(path, index_label="Date")
    rc = main(["optimize", "--strategy", "sma_cross", "--grid", "fast=5:15:5", "--grid", "slow=10:30:10", "--data",
               str(path), "--scheduler", address, "--connect-timeout", "0.5"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and f"cannot reach the Dask scheduler at {address}" in err, err
    with pytest.raises(ClusterUnreachable, match=f"at {address}"):
        with Cluster(address, connect_timeout_s=0.5) as cluster:
            optimize(bars, SmaCross, SMA_GRID, cluster=cluster)


def test_the_local_cluster_gives_the_same_results_and_is_closed_with_its_processes(bars):
    seen: list[tuple[int, int]] = []
    here = optimize(bars, SmaCross, SMA_GRID, commission=0.002)
    with Cluster(workers=2) as cluster:
        there = optimize(bars, SmaCross, SMA_GRID, commission=0.002, cluster=cluster, processes="always",
                         progress=lambda d, t: seen.append((d, t)))
        pids = list(cluster.client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # ran in two worker processes
    pd.testing.assert_frame_equal(here.results, there.results, check_exact=True)
    assert seen[-1] == (len(here.results), len(here.results))
    assert not cluster.started
    assert not any(psutil.pid_exists(pid) for pid in pids)


def test_a_multi_symbol_backtest_on_the_cluster_equals_the_one_here_and_ships_each_symbol_once(dask_cluster):
    address, watch = dask_cluster
    data = {f"S{k}": random_walk(1500 + 100 * k, seed=30 + k) for k in range(5)}
    seen: list[tuple[int, int]] = []
    here = backtest_many(data, SmaCross, {"fast": 10, "slow": 30}, commission=0.001)
    with Cluster(address) as cluster:
        there = backtest_many(data, SmaCross, {"fast": 10, "slow": 30}, commission=0.001, cluster=cluster,
                              progress=lambda d, t: seen.append((d, t)))
        held = watch.run_on_scheduler(lambda dask_scheduler: [len(ts.who_has or ()) for k, ts in
                                                              dask_scheduler.tasks.items()
                                                              if str(k).startswith("DataFrame-")])
    pd.testing.assert_frame_equal(here.stats, there.stats, check_exact=True)
    assert list(there.stats.index) == list(data) and not there.cancelled
    assert seen[-1] == (5, 5)
    assert held == [1] * 5  # each symbol's bars on one worker, not broadcast
    direct = run_backtest(data["S2"], SmaCross(fast=10, slow=30), commission=0.001)
    assert there.stats.at["S2", "Return [%]"] == pytest.approx(direct.stats["Return [%]"], rel=1e-12)


CLI = """
import signal
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, whatever this test run inherited
from terminal.backtest.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def test_ctrl_c_in_the_command_line_cancels_the_work_on_the_cluster(dask_cluster, tmp_path):
    address, watch = dask_cluster
    path = tmp_path / "long.csv"
    random_walk(40_000, seed=12).to_csv(path, index_label="Date")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with get_task_stream(client=watch) as stream:
        proc = subprocess.Popen(python_code(CLI, "optimize", "--strategy", "rsi_reversion", "--grid", "window=2:41",
                                            "--data", str(path), "--scheduler", address), cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            first = proc.stderr.readline()  # the first progress line: the cluster is working
            assert first.startswith("optimize [") and "/40 runs" in first, first
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 130, err
        assert err.splitlines()[-1] == "trading-terminal optimize: interrupted" and "Traceback" not in err, err
        assert out == ""
        assert _idle(watch)
    ran = [t for t in stream.data if "_eval_chunk" in str(t["key"])]
    assert len(ran) < 20, len(ran)  # the queued runs never ran
