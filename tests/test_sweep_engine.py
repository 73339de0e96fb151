"""The sweep engine: seeds, byte-identical results on any number of workers, retries, failures, the cache.

The distributed tests run on real ``distributed.LocalCluster`` worker processes: one cluster of two
workers is started once for the module and reached as an existing scheduler (``kind="scheduler"``),
and the identity test starts the ``local`` engine itself with one worker. Slurm is not available here:
its configuration is checked with the cluster class replaced by stand-ins (one of them a
``LocalCluster`` that counts as Slurm jobs), never by starting a real ``SLURMCluster``.
"""

from __future__ import annotations

import json
import logging
import pickle

import pytest
import yaml

from analysis.sweep import engine
from analysis.sweep.engine import (EngineConfig, SweepError, SweepReport, Task, canonical_json,
                                   engine_from_params, run_tasks, task_seed)

FN = engine._selftest_task
MASTER = 12345  # a master seed of the tests, not the study's


def alpha_tasks(n: int = 12, **extra) -> list[Task]:
    return [Task(t.id, {**t.params, **extra}) for t in engine.selftest_tasks(n)]


def calls(folder) -> int:
    return sum(1 for _ in folder.glob("call-*"))


@pytest.fixture(scope="module")
def cluster2():
    """A real local cluster of two single-threaded worker processes, shared by the module's tests."""
    from distributed import Client, LocalCluster

    with LocalCluster(**engine._local_cluster_kwargs(2)) as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        yield EngineConfig(kind="scheduler", address=cluster.scheduler_address, retries=2)


# ----------------------------------------------------------------------------------------------- seeds
def test_task_seed_is_pinned_and_in_range():
    # a changed derivation changes every published simulation: this value must only change on purpose
    assert task_seed(MASTER, "recovery/n=300/rep=0042") == 1762805661799351825
    assert task_seed(MASTER, "recovery/n=300/rep=0042") == task_seed(MASTER, "recovery/n=300/rep=0042")
    ids = [f"recovery/n={n}/rep={r:04d}" for n in (150, 300) for r in range(200)]
    seeds = [task_seed(MASTER, i) for i in ids]
    assert len(set(seeds)) == len(ids)                        # differs by id
    assert all(0 <= s < 2**63 and isinstance(s, int) for s in seeds)
    assert task_seed(MASTER + 1, ids[0]) != seeds[0]           # differs by master seed
    assert task_seed(0, "a") != task_seed(0, "b")
    assert 0 <= task_seed(2**70, ids[0]) < 2**63               # a large master seed is accepted
    # the top bit of the 63 is used: the seeds are spread over the range, not squeezed into 32 bits
    assert max(seeds) > 2**62


@pytest.mark.parametrize("bad", [-1, 1.5, True, "7"])
def test_task_seed_rejects_bad_master_seeds(bad):
    with pytest.raises(ValueError, match="master_seed"):
        task_seed(bad, "x")


def test_task_seed_rejects_bad_ids():
    with pytest.raises(ValueError, match="task_id"):
        task_seed(1, "")


# ----------------------------------------------------------------------------------------------- identity
def test_results_are_byte_identical_serial_one_and_two_workers(cluster2):
    tasks = alpha_tasks(12)
    serial, rep_serial = run_tasks(FN, tasks, MASTER, EngineConfig(kind="serial"), progress=False)
    one, rep_one = run_tasks(FN, tasks, MASTER, EngineConfig(kind="local", n_workers=1), progress=False)
    two, rep_two = run_tasks(FN, tasks, MASTER, cluster2, progress=False)
    assert (rep_serial.n_workers, rep_one.n_workers, rep_two.n_workers) == (1, 1, 2)
    assert rep_one.kind == "local" and rep_two.kind == "scheduler"
    assert canonical_json(one) == canonical_json(serial)
    assert canonical_json(two) == canonical_json(serial)
    # the results are real and in the order of the tasks, each with its own seed
    assert [r["seed"] for r in serial] == [task_seed(MASTER, t.id) for t in tasks]
    assert [r["n"] for r in serial] == [t.params["n"] for t in tasks]
    assert all(0.0 < r["alpha"] < 1.0 for r in serial)
    assert len({r["alpha"] for r in serial}) == len(tasks)
    # another master seed gives other numbers
    other, _ = run_tasks(FN, tasks[:2], MASTER + 1, EngineConfig(kind="serial"), progress=False)
    assert [r["alpha"] for r in other] != [r["alpha"] for r in serial[:2]]


def test_order_of_tasks_does_not_change_a_task_result(cluster2):
    tasks = alpha_tasks(6)
    forward, _ = run_tasks(FN, tasks, MASTER, cluster2, progress=False)
    backward, _ = run_tasks(FN, tasks[::-1], MASTER, EngineConfig(kind="serial"), progress=False)
    assert canonical_json(backward[::-1]) == canonical_json(forward)


def test_tasks_run_with_one_blas_thread(cluster2):
    from threadpoolctl import threadpool_info

    def threads():
        return max((lib["num_threads"] for lib in threadpool_info()), default=0)

    before = threads()
    tasks = alpha_tasks(2, report_threads=True)
    serial, _ = run_tasks(FN, tasks, MASTER, EngineConfig(kind="serial"), progress=False)
    remote, _ = run_tasks(FN, tasks, MASTER, cluster2, progress=False)
    assert [r["blas_threads"] for r in serial + remote] == [1] * 4
    # the limit is the task wrapper's: this process is as it was afterwards
    assert threads() == before


def test_results_make_a_json_round_trip():
    status, text, _ = engine._attempt(_numpy_result, {}, 3)
    assert status == "ok"
    out = json.loads(text)
    assert out == {"a": [1, 2], "i": 7, "x": 0.25}
    assert type(out["i"]) is int and type(out["x"]) is float


def _numpy_result(params, seed):  # a module-level function: importable, as run_tasks requires
    import numpy as np

    return {"x": np.float64(0.25), "i": np.int64(7), "a": np.array([1, 2])}


# ----------------------------------------------------------------------------------------------- retries, failures
def test_a_task_that_fails_once_is_retried_and_reported(cluster2, tmp_path):
    tasks = alpha_tasks(4)
    tasks[2] = Task(tasks[2].id, {**tasks[2].params, "fail_once": str(tmp_path / "marker")})
    results, report = run_tasks(FN, tasks, MASTER, cluster2, progress=False)
    assert report.retried == (tasks[2].id,)
    assert (tmp_path / "marker").exists()
    reference, _ = run_tasks(FN, alpha_tasks(4), MASTER, EngineConfig(kind="serial"), progress=False)
    # the retried task's result is the one it would have had without the failure (same seed)
    assert canonical_json(results) == canonical_json(reference)


def test_serial_retries_too(tmp_path):
    tasks = [Task("flaky", {**alpha_tasks(1)[0].params, "fail_once": str(tmp_path / "m")})]
    _, report = run_tasks(FN, tasks, MASTER, EngineConfig(kind="serial"), progress=False)
    assert report.retried == ("flaky",)


def test_a_task_that_always_fails_raises_after_the_others_finished(cluster2, tmp_path):
    (tmp_path / "calls").mkdir()
    tasks = alpha_tasks(6, calls_dir=str(tmp_path / "calls"))
    tasks[1] = Task("bad/one", {**tasks[1].params, "always_fail": "one"})
    cache = tmp_path / "cache"
    with pytest.raises(SweepError) as caught:
        run_tasks(FN, tasks, MASTER, cluster2, cache_dir=cache, progress=False)
    err = caught.value
    assert list(err.failures) == ["bad/one"]
    assert "bad/one" in str(err) and "planned failure of every attempt (one)" in str(err)
    assert "Traceback" in err.failures["bad/one"] and "_selftest_task" in err.failures["bad/one"]
    assert err.report.retried == ("bad/one",)
    # 1 + retries attempts of the failing task, one of each other task, all of which were cached
    assert calls(tmp_path / "calls") == 5 + 1 + cluster2.retries
    assert len(list(cache.glob("*.json"))) == 5
    assert [r is None for r in err.results] == [False, True, False, False, False, False]
    # a second run computes only the failing task
    with pytest.raises(SweepError):
        run_tasks(FN, tasks, MASTER, EngineConfig(kind="serial", retries=0), cache_dir=cache, progress=False)
    assert calls(tmp_path / "calls") == 5 + 1 + cluster2.retries + 1


def test_every_failure_is_named_and_retries_zero_means_one_attempt(tmp_path):
    (tmp_path / "calls").mkdir()
    tasks = alpha_tasks(3, calls_dir=str(tmp_path / "calls"))
    tasks = [Task(t.id, {**t.params, "always_fail": t.id}) if k != 1 else t for k, t in enumerate(tasks)]
    with pytest.raises(SweepError) as caught:
        run_tasks(FN, tasks, MASTER, EngineConfig(kind="serial", retries=0), progress=False)
    assert list(caught.value.failures) == [tasks[0].id, tasks[2].id]
    assert caught.value.report.retried == ()
    assert calls(tmp_path / "calls") == 3
    assert tasks[0].id in str(caught.value) and tasks[2].id in str(caught.value)
    copy = pickle.loads(pickle.dumps(caught.value))  # e.g. raised inside a worker or a subprocess
    assert copy.failures == caught.value.failures and str(copy) == str(caught.value)


def test_a_result_that_is_not_a_dict_is_a_failure():
    with pytest.raises(SweepError, match="returned list, not a dict"):
        run_tasks(_list_result, [Task("t", {})], MASTER, EngineConfig(kind="serial", retries=0), progress=False)


def _list_result(params, seed):
    return [seed]


def test_workers_running_other_code_are_refused(cluster2, monkeypatch):
    # this process pretends to run other code than the workers: every result is rejected and reported
    monkeypatch.setattr(engine, "_code_fingerprint", lambda: "another checkout")
    with pytest.raises(SweepError, match="worker code differs") as caught:
        run_tasks(FN, alpha_tasks(2), MASTER, EngineConfig(kind="scheduler", address=cluster2.address, retries=0),
                  progress=False)
    assert len(caught.value.failures) == 2


# ----------------------------------------------------------------------------------------------- cache
def test_cache_skips_unchanged_tasks_and_recomputes_changed_ones(tmp_path):
    (tmp_path / "calls").mkdir()
    cache = tmp_path / "cache"
    tasks = alpha_tasks(4, calls_dir=str(tmp_path / "calls"))
    serial = EngineConfig(kind="serial")
    first, rep1 = run_tasks(FN, tasks, MASTER, serial, cache_dir=cache, version="v1", progress=False)
    assert (calls(tmp_path / "calls"), rep1.n_cached) == (4, 0)
    second, rep2 = run_tasks(FN, tasks, MASTER, serial, cache_dir=cache, version="v1", progress=False)
    assert (calls(tmp_path / "calls"), rep2.n_cached, rep2.n_workers) == (4, 4, 0)
    assert canonical_json(second) == canonical_json(first)
    # a cache entry names its task and holds the result as JSON
    entry = json.loads(next(cache.glob("*.json")).read_text(encoding="utf-8"))
    assert entry["fn"] == "analysis.sweep.engine:_selftest_task" and entry["version"] == "v1"
    assert entry["result"] in first
    # one changed parameter: one task recomputed
    changed = list(tasks)
    changed[3] = Task(tasks[3].id, {**tasks[3].params, "n": tasks[3].params["n"] + 1})
    _, rep3 = run_tasks(FN, changed, MASTER, serial, cache_dir=cache, version="v1", progress=False)
    assert (calls(tmp_path / "calls"), rep3.n_cached) == (5, 3)
    # a new version: everything recomputed
    _, rep4 = run_tasks(FN, tasks, MASTER, serial, cache_dir=cache, version="v2", progress=False)
    assert (calls(tmp_path / "calls"), rep4.n_cached) == (9, 0)
    # another master seed changes every seed: recomputed
    _, rep5 = run_tasks(FN, tasks[:1], MASTER + 1, serial, cache_dir=cache, version="v1", progress=False)
    assert (calls(tmp_path / "calls"), rep5.n_cached) == (10, 0)


def test_a_broken_cache_file_is_recomputed(tmp_path):
    cache = tmp_path / "cache"
    tasks = alpha_tasks(1)
    first, _ = run_tasks(FN, tasks, MASTER, EngineConfig(kind="serial"), cache_dir=cache, progress=False)
    path = next(cache.glob("*.json"))
    path.write_text('{"result": ', encoding="utf-8")  # a run killed while writing
    again, report = run_tasks(FN, tasks, MASTER, EngineConfig(kind="serial"), cache_dir=cache, progress=False)
    assert report.n_cached == 0 and canonical_json(again) == canonical_json(first)
    assert json.loads(path.read_text(encoding="utf-8"))["result"] == first[0]


def test_cache_is_shared_between_engines(cluster2, tmp_path):
    (tmp_path / "calls").mkdir()
    tasks = alpha_tasks(3, calls_dir=str(tmp_path / "calls"))
    run_tasks(FN, tasks, MASTER, cluster2, cache_dir=tmp_path / "cache", progress=False)
    _, report = run_tasks(FN, tasks, MASTER, EngineConfig(kind="serial"), cache_dir=tmp_path / "cache",
                          progress=False)
    assert report.n_cached == 3 and calls(tmp_path / "calls") == 3


# ----------------------------------------------------------------------------------------------- input checks
def test_duplicate_ids_bad_tasks_and_bad_functions_are_refused():
    serial = EngineConfig(kind="serial")
    with pytest.raises(ValueError, match="duplicate task id.*rep=0000"):
        run_tasks(FN, alpha_tasks(2) + alpha_tasks(1), MASTER, serial, progress=False)
    with pytest.raises(ValueError, match="Task"):
        run_tasks(FN, [("a", {})], MASTER, serial, progress=False)
    with pytest.raises(TypeError, match="not JSON-serialisable"):
        run_tasks(FN, [Task("a", {"x": object()})], MASTER, serial, progress=False)
    with pytest.raises(TypeError, match="top-level function"):
        run_tasks(lambda p, s: {}, [Task("a", {})], MASTER, serial, progress=False)

    def local(p, s):
        return {}

    with pytest.raises(TypeError, match="top-level function"):
        run_tasks(local, [Task("a", {})], MASTER, serial, progress=False)


def test_an_empty_sweep_starts_nothing():
    results, report = run_tasks(FN, [], MASTER, EngineConfig(kind="local"), progress=False)
    assert results == [] and (report.n_tasks, report.n_workers) == (0, 0)


def test_progress_bar_and_summary(capsys):
    _, report = run_tasks(FN, alpha_tasks(2), MASTER, EngineConfig(kind="serial"), desc="probe sweep")
    assert "probe sweep" in capsys.readouterr().err
    line = report.summary()
    assert line.startswith("probe sweep: 2 tasks (0 from cache, 2 run) on serial with 1 worker in ")
    assert line.endswith("; no retries") and "\n" not in line
    many = SweepReport("local", 2, 10, 4, ("a", "b", "c", "d"), 1.25)
    assert many.summary() == ("sweep: 10 tasks (4 from cache, 6 run) on local with 2 workers in 1.2 s; "
                              "retried 4: a, b, c, ...")


# ----------------------------------------------------------------------------------------------- configuration
def test_engine_from_params_defaults_and_kinds(tmp_path, monkeypatch):
    assert engine_from_params({}) == EngineConfig()
    assert EngineConfig() == EngineConfig(kind="local", n_workers=0, address="", slurm={}, retries=2)
    assert engine_from_params({"sweep_engine": "serial"}).kind == "serial"
    local = engine_from_params({"sweep_engine": "local", "sweep_workers": 2, "seed": 1, "n_boot": 5})
    assert (local.kind, local.n_workers) == ("local", 2)
    sched = engine_from_params({"sweep_engine": "scheduler", "sweep_address": " tcp://10.0.0.5:8786 "})
    assert (sched.kind, sched.address) == ("scheduler", "tcp://10.0.0.5:8786")
    options = {"cores": 8, "memory": "16GB", "walltime": "02:00:00", "queue": "compute", "account": "proj42",
               "job_extra_directives": ["--qos=normal"], "python": "/home/u/jcounty/.venv/bin/python"}
    (tmp_path / "slurm.yaml").write_text(yaml.safe_dump(options), encoding="utf-8")
    slurm = engine_from_params({"sweep_engine": "slurm", "sweep_workers": 4, "sweep_slurm": str(tmp_path / "slurm.yaml"),
                                "sweep_address": ""})
    assert (slurm.kind, slurm.n_workers, dict(slurm.slurm)) == ("slurm", 4, options)
    # a relative path is read from the repository root
    monkeypatch.setattr(engine.paths, "ROOT", tmp_path)
    assert dict(engine_from_params({"sweep_engine": "slurm", "sweep_slurm": "slurm.yaml"}).slurm) == options
    assert engine_from_params({"sweep_engine": "SLURM", "sweep_slurm": ""}).slurm == {}
    assert engine_from_params({"sweep_retries": 0}).retries == 0


@pytest.mark.parametrize("params, message", [
    ({"sweep_engine": "gpu"}, "sweep_engine='gpu'"),
    ({"sweep_engine": 3}, "sweep_engine=3"),
    ({"sweep_workers": -1}, "sweep_workers=-1"),
    ({"sweep_workers": "2"}, "sweep_workers='2'"),
    ({"sweep_workers": True}, "sweep_workers=True"),
    ({"sweep_workers": 1.5}, "sweep_workers=1.5"),
    ({"sweep_retries": -2}, "sweep_retries=-2"),
    ({"sweep_engine": "scheduler"}, "needs sweep_address"),
    ({"sweep_engine": "scheduler", "sweep_address": "  "}, "needs sweep_address"),
    ({"sweep_address": 8786}, "sweep_address=8786"),
    ({"sweep_engine": "slurm", "sweep_slurm": "no/such/file.yaml"}, "no such file"),
    ({"sweep_slurm": 5}, "sweep_slurm=5"),
])
def test_engine_from_params_bad_values(params, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        engine_from_params(params)


def test_engine_from_params_bad_slurm_files(tmp_path):
    (tmp_path / "list.yaml").write_text("- cores\n- 8\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("cores: [8\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected a mapping"):
        engine_from_params({"sweep_engine": "slurm", "sweep_slurm": str(tmp_path / "list.yaml")})
    with pytest.raises(ValueError, match="not valid YAML"):
        engine_from_params({"sweep_engine": "slurm", "sweep_slurm": str(tmp_path / "broken.yaml")})


def test_engine_config_checks_itself():
    with pytest.raises(ValueError, match="not one of"):
        EngineConfig(kind="threads")
    with pytest.raises(ValueError, match="n_workers"):
        EngineConfig(n_workers=-1)
    with pytest.raises(ValueError, match="address"):
        EngineConfig(kind="scheduler")
    with pytest.raises(ValueError, match="slurm must be a mapping"):
        EngineConfig(kind="slurm", slurm=["cores"])


# ----------------------------------------------------------------------------------------------- clusters (stand-ins)
class _Recorder:
    """Stand-ins for a cluster and a client that record what they are given and whether they were closed."""

    def __init__(self):
        self.events = []
        rec = self

        class Cluster:
            def __init__(self, **kwargs):
                rec.events.append(("cluster", kwargs))

            def scale(self, n=None, jobs=0, **kwargs):
                rec.events.append(("scale", jobs))

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                rec.events.append(("cluster closed",))

        class Client:
            def __init__(self, target, **kwargs):
                rec.events.append(("client", target if isinstance(target, str) else type(target).__name__, kwargs))

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                rec.events.append(("client closed",))

        self.Cluster, self.Client = Cluster, Client


def test_slurm_options_reach_the_cluster_class_and_everything_closes_on_error():
    rec = _Recorder()
    options = {"cores": 8, "memory": "16GB", "walltime": "01:00:00", "queue": "short", "account": "a1",
               "job_extra_directives": ["--qos=normal"], "python": "/shared/jcounty/.venv/bin/python"}
    config = EngineConfig(kind="slurm", n_workers=3, slurm=options)
    with pytest.raises(KeyboardInterrupt):
        with engine.open_client(config, cluster_cls=rec.Cluster, client_cls=rec.Client):
            raise KeyboardInterrupt
    assert rec.events == [("cluster", {**options, "processes": 8}), ("scale", 3), ("client", "Cluster", {}),
                          ("client closed",), ("cluster closed",)]
    assert options.get("processes") is None  # the configuration itself is not modified


def test_slurm_keeps_explicit_processes_and_defaults_to_one_job():
    rec = _Recorder()
    config = EngineConfig(kind="slurm", slurm={"cores": 4, "processes": 2, "memory": "8GB"})
    with engine.open_client(config, cluster_cls=rec.Cluster, client_cls=rec.Client):
        pass
    assert rec.events[:2] == [("cluster", {"cores": 4, "processes": 2, "memory": "8GB"}), ("scale", 1)]


def test_local_and_scheduler_clients_are_built_as_documented():
    rec = _Recorder()
    with engine.open_client(EngineConfig(kind="local", n_workers=2), cluster_cls=rec.Cluster, client_cls=rec.Client):
        pass
    kwargs = rec.events[0][1]
    assert kwargs == {"n_workers": 2, "threads_per_worker": 1, "processes": True, "host": "127.0.0.1",
                      "dashboard_address": "127.0.0.1:0", "scheduler_kwargs": {"dashboard": False},
                      "silence_logs": logging.ERROR}
    assert rec.events[-2:] == [("client closed",), ("cluster closed",)]
    assert engine._local_cluster_kwargs(0)["n_workers"] == engine._usable_cores()
    rec = _Recorder()
    with engine.open_client(EngineConfig(kind="scheduler", address="tcp://10.0.0.5:8786"), client_cls=rec.Client):
        pass
    assert rec.events == [("client", "tcp://10.0.0.5:8786", {"timeout": engine.CONNECT_TIMEOUT}), ("client closed",)]
    with pytest.raises(ValueError, match="serial"):
        with engine.open_client(EngineConfig(kind="serial")):
            pass


def test_a_sweep_on_slurm_runs_through_the_jobqueue_path(monkeypatch):
    """The slurm engine end to end, with SLURMCluster replaced by a LocalCluster whose jobs are workers."""
    from distributed import LocalCluster

    seen = {}

    class FakeSLURMCluster(LocalCluster):
        def __init__(self, **kwargs):
            seen["kwargs"] = kwargs
            super().__init__(**{**engine._local_cluster_kwargs(1), "n_workers": 0})

        def scale(self, n=None, jobs=0, **kwargs):
            seen.setdefault("jobs", []).append(jobs)  # LocalCluster.close scales to 0 at the end
            return super().scale(jobs)

    monkeypatch.setattr(engine, "_slurm_cluster_class", lambda: FakeSLURMCluster)
    tasks = alpha_tasks(3)
    config = EngineConfig(kind="slurm", n_workers=1, slurm={"cores": 1, "memory": "1GB", "walltime": "00:10:00"})
    results, report = run_tasks(FN, tasks, MASTER, config, progress=False)
    serial, _ = run_tasks(FN, tasks, MASTER, EngineConfig(kind="serial"), progress=False)
    assert seen["kwargs"] == {"cores": 1, "memory": "1GB", "walltime": "00:10:00", "processes": 1}
    assert seen["jobs"][0] == 1
    assert (report.kind, report.n_workers) == ("slurm", 1)
    assert canonical_json(results) == canonical_json(serial)


# ----------------------------------------------------------------------------------------------- command line
def test_command_line_self_check(capsys):
    assert engine.main(["--engine", "serial", "--tasks", "3"]) == 0
    out = capsys.readouterr().out
    assert "3 tasks" in out and "byte-identical" in out
    with pytest.raises(SystemExit):
        engine.main(["--engine", "scheduler"])  # no address
    assert "needs sweep_address" in capsys.readouterr().err


def test_command_line_prints_the_slurm_job_script(tmp_path, monkeypatch, capsys):
    seen = {}

    class FakeSLURMCluster:
        def __init__(self, **kwargs):
            seen["kwargs"] = kwargs

        def job_script(self):
            return "#SBATCH --cpus-per-task=%d" % seen["kwargs"]["cores"]

        def scale(self, **kwargs):  # must not be called: nothing is submitted
            raise AssertionError("submitted a job")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            seen["closed"] = True

    monkeypatch.setattr(engine, "_slurm_cluster_class", lambda: FakeSLURMCluster)
    (tmp_path / "slurm.yaml").write_text("cores: 6\nmemory: 12GB\n", encoding="utf-8")
    assert engine.main(["--engine", "slurm", "--slurm", str(tmp_path / "slurm.yaml"), "--job-script"]) == 0
    assert capsys.readouterr().out.strip() == "#SBATCH --cpus-per-task=6"
    assert seen == {"kwargs": {"cores": 6, "memory": "12GB", "processes": 6}, "closed": True}
    with pytest.raises(SystemExit):
        engine.main(["--engine", "serial", "--job-script"])
