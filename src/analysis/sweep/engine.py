"""Run many independent seeded tasks: in process, on a local Dask cluster, on a scheduler, or on Slurm.

The robustness sweep and the Monte Carlo recovery study are lists of
:class:`Task`, each a stable id and JSON parameters, and one top-level function
``fn(params, seed) -> dict``. :func:`run_tasks` runs ``fn`` once per task and
returns the results in the order of the tasks, on one of four engines
(:class:`EngineConfig`):

``serial``
    A loop in this process (debugging, tiny sweeps).
``local``
    A ``distributed.LocalCluster`` of worker *processes* on this machine, one
    thread each (the default; ``n_workers = 0`` uses every core).
``scheduler``
    An existing ``dask.distributed`` scheduler at ``address``; its workers must
    run the same checkout of the compendium (checked on every result).
``slurm``
    A ``dask_jobqueue.SLURMCluster`` built from the keyword arguments in
    ``slurm`` and scaled to ``n_workers`` batch jobs.

Why the results do not depend on the engine:

* the seed of a task comes from the master seed and the task's id alone
  (:func:`task_seed`), never from the order in which tasks run or which worker
  runs them;
* every task runs with BLAS/OpenMP limited to one thread (``threadpoolctl``),
  in the serial loop too, so no reduction is split differently between runs;
* every result makes a JSON round trip (:func:`canonical_json`) before it is
  stored or returned, so a serial run and a distributed run hand back the same
  Python types.

A task that raises is submitted again, up to ``retries`` times, and is named in
:attr:`SweepReport.retried`; a task that still fails does not stop the others,
and once they have finished :class:`SweepError` names every failed task with its
traceback. With ``cache_dir`` every result is stored as JSON under a key of the
function, the parameters, the seed and a version string, so an unchanged sweep
computes nothing the second time.

``python -m analysis.sweep.engine --engine local --workers 2`` runs a small
self-test sweep on the chosen engine and serially and says whether the results
are byte-identical (a check of a Slurm or scheduler setup before a long run).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.metadata
import json
import logging
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from analysis.core import paths

__all__ = [
    "KINDS",
    "EngineConfig",
    "SweepError",
    "SweepReport",
    "Task",
    "canonical_json",
    "engine_from_params",
    "open_client",
    "run_tasks",
    "task_seed",
]

#: The engines :class:`EngineConfig` knows, in the order of the documentation.
KINDS = ("serial", "local", "scheduler", "slurm")
#: Seeds are drawn from [0, SEED_BOUND): non-negative and representable as a signed 64-bit integer.
SEED_BOUND = 2**63
#: Packages whose versions decide the numbers a task computes; a remote worker must match them.
RESULT_PACKAGES = ("numpy", "scipy", "pandas", "statsmodels", "scikit-learn", "factor_analyzer")
#: Ids named in an error message before it says "...".
_SHOWN_IDS = 10
#: How long a scheduler address may take to answer before the run gives up (seconds).
CONNECT_TIMEOUT = "60s"


# ----------------------------------------------------------------------------------------------- tasks and seeds
@dataclass(frozen=True)
class Task:
    """One unit of a sweep: a stable, readable id and the JSON-serialisable parameters of one call.

    Parameters
    ----------
    id : str
        Unique within a sweep, stable across runs and readable, e.g. ``"recovery/n=300/rep=0042"``;
        the task's seed is derived from it (:func:`task_seed`).
    params : Mapping
        Arguments of the task function; must survive ``json.dumps``.
    """

    id: str
    params: Mapping[str, Any]


def task_seed(master_seed: int, task_id: str) -> int:
    """Seed of one task, from the master seed and the task's id; independent of worker count, order and platform.

    The id is hashed with SHA-256; its 32 bytes, read as eight little-endian
    32-bit words, follow the master seed in the entropy of
    ``np.random.SeedSequence([master_seed, w0, ..., w7])``, whose first two
    32-bit state words form a 64-bit number, shifted right by one bit.

    Parameters
    ----------
    master_seed : int
        The study's seed (``params.yaml``'s ``seed``), a non-negative integer.
    task_id : str
        The task's id (:attr:`Task.id`).

    Returns
    -------
    int
        A seed in ``[0, 2**63)`` for ``np.random.default_rng``.

    Raises
    ------
    ValueError
        If ``master_seed`` is negative or not an integer, or ``task_id`` is not a non-empty string.
    """
    if isinstance(master_seed, bool) or not isinstance(master_seed, (int, np.integer)) or master_seed < 0:
        raise ValueError(f"master_seed must be a non-negative integer, got {master_seed!r}")
    if not isinstance(task_id, str) or not task_id:
        raise ValueError(f"task_id must be a non-empty string, got {task_id!r}")
    digest = hashlib.sha256(task_id.encode("utf-8")).digest()
    words = np.frombuffer(digest, dtype="<u4").tolist()  # explicit byte order: the same on every platform
    lo, hi = np.random.SeedSequence([int(master_seed), *words]).generate_state(2, dtype=np.uint32).tolist()
    # combined by hand rather than generate_state(dtype=uint64), whose word order follows the machine's byte order
    return ((hi << 32) | lo) >> 1


def _json_default(value: Any) -> Any:
    # numpy scalars and arrays are what task functions most often return by accident; everything else is an error
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def canonical_json(obj: Any) -> str:
    """The canonical JSON text of a result or of parameters: ``json.dumps(obj, sort_keys=True)``.

    numpy scalars and arrays are written as the Python numbers and lists they hold.
    Two results are the same exactly when their canonical texts are equal.

    Parameters
    ----------
    obj : Any
        A JSON-serialisable object (dicts, lists, strings, numbers, booleans, None).

    Returns
    -------
    str
        The JSON text with sorted keys (floats written with ``repr``, so the round trip is exact).

    Raises
    ------
    TypeError
        If ``obj`` holds something JSON cannot represent.
    """
    return json.dumps(obj, sort_keys=True, default=_json_default)


# ----------------------------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class EngineConfig:
    """Where :func:`run_tasks` runs its tasks.

    Parameters
    ----------
    kind : str, default ``"local"``
        ``"serial"`` (in-process loop), ``"local"`` (``LocalCluster``), ``"scheduler"`` (an existing
        scheduler at ``address``) or ``"slurm"`` (``dask_jobqueue.SLURMCluster``).
    n_workers : int, default 0
        local: worker processes (0 = every core this process may use); slurm: number of batch jobs
        (0 = one job); ignored by serial and scheduler.
    address : str, default ``""``
        scheduler: the scheduler's address, e.g. ``"tcp://10.0.0.5:8786"``.
    slurm : Mapping, default empty
        slurm: keyword arguments of ``dask_jobqueue.SLURMCluster`` (``cores``, ``memory``, ``walltime``,
        ``queue``, ``account``, ``job_extra_directives``, ``python``, ...). When ``processes`` is
        missing it is set to ``cores``, so that every Dask worker has one thread, as on a local cluster.
    retries : int, default 2
        Attempts after the first failure of a task.

    Raises
    ------
    ValueError
        On an unknown kind, a negative count or a scheduler without an address.
    """

    kind: str = "local"
    n_workers: int = 0
    address: str = ""
    slurm: Mapping[str, Any] = field(default_factory=dict)
    retries: int = 2

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"engine kind {self.kind!r} is not one of {', '.join(KINDS)}")
        for name in ("n_workers", "retries"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        if not isinstance(self.address, str):
            raise ValueError(f"address must be a string, got {self.address!r}")
        if self.kind == "scheduler" and not self.address.strip():
            raise ValueError("engine kind 'scheduler' needs the scheduler's address, e.g. tcp://10.0.0.5:8786")
        if not isinstance(self.slurm, Mapping) or not all(isinstance(k, str) for k in self.slurm):
            raise ValueError(f"slurm must be a mapping of SLURMCluster keyword arguments, got {self.slurm!r}")


def _load_slurm_options(path_text: str) -> dict[str, Any]:
    path = Path(path_text)
    if not path.is_absolute():
        path = paths.ROOT / path
    if not path.is_file():
        raise ValueError(f"sweep_slurm={path_text!r}: no such file ({paths.relative(path)})")
    try:
        options = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ValueError(f"sweep_slurm={path_text!r}: not valid YAML: {err}") from err
    if options is None:
        return {}
    if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
        raise ValueError(f"sweep_slurm={path_text!r}: expected a mapping of SLURMCluster keyword arguments "
                         f"(cores: 8, memory: 16GB, ...), got {type(options).__name__}")
    return options


def engine_from_params(params: Mapping[str, Any]) -> EngineConfig:
    """The engine chosen by resolved parameters (``make robustness SWEEP_ENGINE=... SWEEP_WORKERS=...``).

    Keys read: ``sweep_engine`` (serial, local, scheduler or slurm), ``sweep_workers`` (int),
    ``sweep_address`` (str), ``sweep_slurm`` (path of a YAML file of SLURMCluster keyword arguments,
    relative to the repository root; ``''`` = none) and, if present, ``sweep_retries`` (int).
    Missing keys take the :class:`EngineConfig` defaults; other keys are ignored.

    Parameters
    ----------
    params : Mapping
        Resolved parameters, e.g. ``analysis.core.params.DEFAULTS`` with overrides applied.

    Returns
    -------
    EngineConfig
        The configuration for :func:`run_tasks`.

    Raises
    ------
    ValueError
        On an unknown engine, a count that is not a non-negative integer, a scheduler without an address,
        or a missing or malformed Slurm file (read whenever it is named, whatever the engine, so that a
        wrong path is noticed before a long run).
    """
    defaults = EngineConfig()
    kind = params.get("sweep_engine", defaults.kind)
    if not isinstance(kind, str) or kind.strip().lower() not in KINDS:
        raise ValueError(f"sweep_engine={kind!r}: expected one of {', '.join(KINDS)}")
    kind = kind.strip().lower()
    counts = {}
    for key, name in (("sweep_workers", "n_workers"), ("sweep_retries", "retries")):
        value = params.get(key, getattr(defaults, name))
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{key}={value!r}: expected a non-negative integer")
        counts[name] = value
    address = params.get("sweep_address", defaults.address)
    if address is None:
        address = ""
    if not isinstance(address, str):
        raise ValueError(f"sweep_address={address!r}: expected a string such as 'tcp://10.0.0.5:8786'")
    if kind == "scheduler" and not address.strip():
        raise ValueError("sweep_engine=scheduler needs sweep_address, e.g. SWEEP_ADDRESS=tcp://10.0.0.5:8786")
    slurm_file = params.get("sweep_slurm", "")
    if slurm_file is None:
        slurm_file = ""
    if not isinstance(slurm_file, (str, os.PathLike)):
        raise ValueError(f"sweep_slurm={slurm_file!r}: expected the path of a YAML file or ''")
    slurm = _load_slurm_options(os.fspath(slurm_file)) if os.fspath(slurm_file).strip() else {}
    return EngineConfig(kind=kind, address=address.strip(), slurm=slurm, **counts)


# ----------------------------------------------------------------------------------------------- outcome
class SweepError(RuntimeError):
    """Tasks that still failed after their retries; every other task had finished when it was raised.

    Parameters
    ----------
    failures : Mapping of str to str
        Task id to the traceback text of its last attempt.
    report : SweepReport, optional
        The report of the run (``retried`` includes the failed tasks).
    results : list, optional
        The results in the order of the tasks, ``None`` where a task failed.

    Attributes
    ----------
    failures : dict of str to str
        Task id to traceback text, in the order of the tasks.
    """

    def __init__(self, failures: Mapping[str, str], report: SweepReport | None = None,
                 results: list[dict | None] | None = None) -> None:
        self.failures = dict(failures)
        self.report = report
        self.results = results
        lines = [f"{len(self.failures)} task(s) failed after their retries:"]
        for task_id, text in self.failures.items():
            last = text.strip().splitlines()[-1] if text.strip() else "(no traceback)"
            lines.append(f"  {task_id}: {last}")
        super().__init__("\n".join(lines))

    def __reduce__(self):  # picklable like the built-in exceptions, with its attributes
        return (type(self), (self.failures, self.report, self.results))


@dataclass(frozen=True)
class SweepReport:
    """What a run of :func:`run_tasks` did.

    Parameters
    ----------
    kind : str
        The engine (:attr:`EngineConfig.kind`).
    n_workers : int
        Workers that ran tasks: 1 for serial; for a cluster, the workers connected when the last task
        finished; 0 when every result came from the cache (no cluster was started).
    n_tasks : int
        Tasks asked for.
    n_cached : int
        Tasks whose result came from the cache and were not run.
    retried : tuple of str
        Ids of the tasks that failed at least once and were submitted again, in the order of the tasks.
    seconds : float
        Wall time of the whole call.
    desc : str, default ``""``
        The label of the run (``desc`` of :func:`run_tasks`).
    """

    kind: str
    n_workers: int
    n_tasks: int
    n_cached: int
    retried: tuple[str, ...]
    seconds: float
    desc: str = ""

    def summary(self) -> str:
        """One line for the terminal or a notebook.

        Returns
        -------
        str
            E.g. ``"robustness: 48 tasks (12 from cache, 36 run) on local with 2 workers in 41.2 s; no retries"``.
        """
        where = f"{self.kind} with {self.n_workers} worker{'s' if self.n_workers != 1 else ''}"
        run = self.n_tasks - self.n_cached
        retried = (f"retried {len(self.retried)}: {', '.join(self.retried[:3])}"
                   f"{', ...' if len(self.retried) > 3 else ''}") if self.retried else "no retries"
        return (f"{self.desc or 'sweep'}: {self.n_tasks} tasks ({self.n_cached} from cache, {run} run) "
                f"on {where} in {self.seconds:.1f} s; {retried}")


# ----------------------------------------------------------------------------------------------- one attempt
def _code_fingerprint() -> str:
    """SHA-256 of the analysis package's source and the versions of the packages that decide the numbers."""
    package = Path(importlib.import_module("analysis").__file__).parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    for name in RESULT_PACKAGES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name}=={version}".encode())
    return h.hexdigest()


@lru_cache(maxsize=1)
def _worker_fingerprint() -> str:
    # once per worker process: the code it has imported is the code of its first task
    return _code_fingerprint()


def _attempt(fn: Callable[[Mapping[str, Any], int], dict], params: dict, seed: int,
             fingerprint: bool = False) -> tuple[str, str, str]:
    """Run one task once, where it is scheduled: ``("ok", json, fingerprint)`` or ``("error", traceback, ...)``.

    Exceptions of the task come back as text rather than as a raised error so that the traceback is
    formatted where it happened, the same way in the serial loop and on a worker.
    """
    from threadpoolctl import threadpool_limits

    stamp = _worker_fingerprint() if fingerprint else ""
    try:
        # one BLAS/OpenMP thread: workers sharing cores do not oversubscribe them, and no run splits a
        # reduction differently from another (the serial loop included)
        with threadpool_limits(limits=1):
            result = fn(params, seed)
        if not isinstance(result, dict):
            raise TypeError(f"the task function returned {type(result).__name__}, not a dict")
        return "ok", canonical_json(result), stamp
    except Exception:  # noqa: BLE001 - every failure of the task is reported, with its traceback
        return "error", traceback.format_exc(), stamp


# ----------------------------------------------------------------------------------------------- clusters
def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # respects CPU affinity and cgroup pinning
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _local_cluster_kwargs(n_workers: int) -> dict[str, Any]:
    # No dashboard. The scheduler still serves its small HTTP API (health, metrics): on a free port of the
    # loopback interface, since dashboard_address=None would mean port 8787, warn when another cluster of
    # this machine has it, and bind every interface
    return dict(n_workers=n_workers or _usable_cores(), threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                silence_logs=logging.ERROR)


def _slurm_kwargs(slurm: Mapping[str, Any]) -> dict[str, Any]:
    kwargs = dict(slurm)
    if "cores" in kwargs and "processes" not in kwargs:
        kwargs["processes"] = kwargs["cores"]  # one thread per worker, as on the local cluster
    return kwargs


def _slurm_cluster_class():
    from dask_jobqueue import SLURMCluster

    return SLURMCluster


@contextmanager
def open_client(config: EngineConfig, *, cluster_cls: Callable[..., Any] | None = None,
                client_cls: Callable[..., Any] | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` on the engine of ``config``; the client and any cluster it started close on exit.

    local: a ``LocalCluster`` of ``n_workers`` single-threaded worker processes on 127.0.0.1, no dashboard,
    logs at ERROR. scheduler: ``Client(address)``. slurm: ``SLURMCluster(**slurm)`` (``processes``
    defaults to ``cores``), then ``cluster.scale(jobs=n_workers or 1)``. Everything is closed also on an
    error or ``KeyboardInterrupt``.

    Parameters
    ----------
    config : EngineConfig
        A configuration of kind local, scheduler or slurm.
    cluster_cls : callable, optional
        The cluster class (default ``distributed.LocalCluster`` for local, ``dask_jobqueue.SLURMCluster`` for
        slurm); tests inject a stand-in here.
    client_cls : callable, optional
        The client class (default ``distributed.Client``).

    Yields
    ------
    distributed.Client
        A connected client.

    Raises
    ------
    ValueError
        For ``kind="serial"``, which runs without Dask.
    """
    if config.kind == "serial":
        raise ValueError("the serial engine runs in this process and has no client")
    if client_cls is None:
        from distributed import Client as client_cls
    if config.kind == "scheduler":
        with client_cls(config.address, timeout=CONNECT_TIMEOUT) as client:
            yield client
        return
    if config.kind == "local":
        if cluster_cls is None:
            from distributed import LocalCluster as cluster_cls
        cluster_ctx = cluster_cls(**_local_cluster_kwargs(config.n_workers))
    else:
        cluster_ctx = (cluster_cls or _slurm_cluster_class())(**_slurm_kwargs(config.slurm))
    with cluster_ctx as cluster:
        if config.kind == "slurm":
            cluster.scale(jobs=config.n_workers or 1)
        with client_cls(cluster) as client:
            yield client


def _connected_workers(client: Any) -> int:
    try:
        return len(client.nthreads())
    except Exception:  # noqa: BLE001 - a count for the report only; never fail a finished run over it
        return 0


# ----------------------------------------------------------------------------------------------- the run
def _function_name(fn: Callable) -> str:
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    target: Any = importlib.import_module(module) if module else None
    for part in qualname.split("."):
        target = getattr(target, part, None)
    if target is not fn or "<" in qualname:
        raise TypeError(f"the task function must be a top-level function that worker processes can import "
                        f"(module.function), got {fn!r}")
    return f"{module}:{qualname}"


def _cache_key(fn_name: str, params_json: str, seed: int, version: str) -> str:
    blob = canonical_json({"fn": fn_name, "params": json.loads(params_json), "seed": seed, "version": version})
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _read_cache(path: Path) -> dict | None:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # absent, or half-written by a run that was killed: compute again
        return None
    result = entry.get("result") if isinstance(entry, dict) else None
    return result if isinstance(result, dict) else None


def _write_cache(path: Path, entry: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(canonical_json(entry) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # atomic: a reader sees the old file or the whole new one


def run_tasks(fn: Callable[[Mapping[str, Any], int], dict], tasks: Sequence[Task], master_seed: int,
              config: EngineConfig = EngineConfig(), *, cache_dir: Path | None = None, version: str = "",
              progress: bool = True, desc: str = "") -> tuple[list[dict], SweepReport]:
    """Run ``fn(task.params, task_seed(master_seed, task.id))`` for every task; results in the order of ``tasks``.

    Every result makes a JSON round trip, so its canonical JSON is byte-identical whatever the engine and
    the number of workers. A task that raises is submitted again up to ``config.retries`` times (its id is
    listed in ``report.retried``); if it still fails, the other tasks finish (and are cached), then
    :class:`SweepError` lists every failed id with its traceback. No task is ever dropped.

    Parameters
    ----------
    fn : callable
        A top-level, importable function ``fn(params, seed) -> dict`` returning a JSON-serialisable dict
        (numpy scalars and arrays are converted). It receives a fresh ``dict`` of the parameters.
    tasks : sequence of Task
        The tasks; their ids must be unique.
    master_seed : int
        The study's seed; each task's seed is :func:`task_seed` of it and the task's id.
    config : EngineConfig, default ``EngineConfig()`` (a local cluster on every core)
        Where to run.
    cache_dir : Path, optional
        Folder of cached results: one JSON file per task, named by the SHA-256 of the function's
        ``module:qualname``, the canonical JSON of the parameters, the seed and ``version``. A cached
        result is not recomputed; a new result is written as soon as it arrives.
    version : str, default ``""``
        Part of the cache key: change it when ``fn``'s code changes its results.
    progress : bool, default True
        Show a tqdm progress bar on stderr.
    desc : str, default ``""``
        Label of the progress bar and of the report.

    Returns
    -------
    results : list of dict
        One result per task, in the order of ``tasks``.
    report : SweepReport
        Engine, workers, counts, retried tasks and wall time.

    Raises
    ------
    ValueError
        On duplicate task ids or a task that is not a :class:`Task`.
    TypeError
        If ``fn`` is not an importable top-level function or a task's parameters are not JSON-serialisable.
    SweepError
        If tasks still failed after their retries (raised after every other task finished).
    """
    start = time.perf_counter()
    fn_name = _function_name(fn)
    tasks = list(tasks)
    bad = [t for t in tasks if not isinstance(t, Task) or not isinstance(t.id, str) or not t.id]
    if bad:
        raise ValueError(f"tasks must be Task(id=<non-empty str>, params=...); got {bad[:3]!r}")
    seen: dict[str, int] = {}
    for t in tasks:
        seen[t.id] = seen.get(t.id, 0) + 1
    duplicates = sorted(i for i, n in seen.items() if n > 1)
    if duplicates:
        shown = ", ".join(duplicates[:_SHOWN_IDS]) + (" ..." if len(duplicates) > _SHOWN_IDS else "")
        raise ValueError(f"{len(duplicates)} duplicate task id(s): {shown}")

    params_json, seeds = [], []
    for t in tasks:
        try:
            params_json.append(canonical_json(dict(t.params)))
        except (TypeError, ValueError) as err:
            raise TypeError(f"task {t.id}: parameters are not JSON-serialisable ({err})") from err
        seeds.append(task_seed(master_seed, t.id))

    results: list[dict | None] = [None] * len(tasks)
    cache_files: list[Path | None] = [None] * len(tasks)
    if cache_dir is not None:
        cache_dir = Path(cache_dir)
        for i in range(len(tasks)):
            cache_files[i] = cache_dir / f"{_cache_key(fn_name, params_json[i], seeds[i], version)}.json"
            results[i] = _read_cache(cache_files[i])
    todo = [i for i in range(len(tasks)) if results[i] is None]
    n_cached = len(tasks) - len(todo)

    def accept(i: int, text: str) -> None:
        results[i] = json.loads(text)
        if cache_files[i] is not None:
            _write_cache(cache_files[i], {"task_id": tasks[i].id, "fn": fn_name, "version": version,
                                          "seed": seeds[i], "params": json.loads(params_json[i]),
                                          "result": results[i]})

    retried: set[int] = set()
    failures: dict[int, str] = {}
    n_workers = 0
    from tqdm import tqdm  # the text bar on stderr, also in a notebook (tqdm.auto would need ipywidgets)

    with tqdm(total=len(tasks), initial=n_cached, desc=desc or "sweep", unit="task", file=sys.stderr,
              disable=not progress, dynamic_ncols=True) as bar:
        if todo and config.kind == "serial":
            n_workers = 1
            for i in todo:
                for attempt in range(config.retries + 1):
                    status, text, _ = _attempt(fn, json.loads(params_json[i]), seeds[i])
                    if status == "ok":
                        accept(i, text)
                        break
                    if attempt < config.retries:
                        retried.add(i)
                    else:
                        failures[i] = text
                bar.update(1)
        elif todo:
            n_workers = _run_distributed(fn, tasks, todo, params_json, seeds, config, accept, retried, failures,
                                         bar, desc)

    report = SweepReport(kind=config.kind, n_workers=n_workers, n_tasks=len(tasks), n_cached=n_cached,
                         retried=tuple(tasks[i].id for i in sorted(retried)),
                         seconds=time.perf_counter() - start, desc=desc)
    if failures:
        raise SweepError({tasks[i].id: failures[i] for i in sorted(failures)}, report=report, results=results)
    return results, report  # type: ignore[return-value]  # no None is left once nothing failed


def _run_distributed(fn, tasks, todo, params_json, seeds, config, accept, retried, failures, bar, desc) -> int:
    """Submit every task, collect them as they complete, resubmit failures; returns the workers connected.

    Our own retry loop rather than ``Client.submit(retries=...)``: Dask's retries are invisible to the
    caller, and a retry must be reported.
    """
    from distributed import as_completed

    # workers outside this machine's control must run the same code and packages as this process; read
    # afresh for every run, as a long-lived process (a notebook) may outlive an edit of the code
    check_code = config.kind in ("scheduler", "slurm")
    own_fingerprint = _code_fingerprint() if check_code else ""
    run_token = uuid.uuid4().hex[:8]
    label = (desc or "sweep").replace(" ", "_")

    with open_client(config) as client:
        owner: dict[Any, tuple[int, int]] = {}

        def submit(i: int, attempt: int):
            future = client.submit(_attempt, fn, json.loads(params_json[i]), seeds[i], check_code,
                                   key=f"{label}-{tasks[i].id}-try{attempt}-{run_token}", pure=False)
            owner[future] = (i, attempt)
            return future

        pending = as_completed([submit(i, 0) for i in todo], with_results=False)
        for future in pending:
            i, attempt = owner.pop(future)
            if future.status == "finished":
                status, text, stamp = future.result()
                if status == "ok" and check_code and stamp != own_fingerprint:
                    status, text = "error", (
                        "the worker runs other code than this process (the analysis package or the versions of "
                        f"{', '.join(RESULT_PACKAGES)} differ): its results could differ; run the workers from "
                        "the same checkout and environment\nRuntimeError: worker code differs from the client's")
            else:  # the task raised outside fn (e.g. a worker died: KilledWorker) or was cancelled
                try:
                    exc = future.exception()
                    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
                except BaseException as err:  # noqa: BLE001 - a cancelled future raises instead of returning
                    text = f"{type(err).__name__}: {err}"
                status = "error"
            future.release()
            if status == "ok":
                accept(i, text)
                bar.update(1)
            elif attempt < config.retries:
                retried.add(i)
                pending.add(submit(i, attempt + 1))
            else:
                failures[i] = text
                bar.update(1)
        return _connected_workers(client)


# ----------------------------------------------------------------------------------------------- self-test
def _selftest_task(params: Mapping[str, Any], seed: int) -> dict:
    """A small real task for tests and ``python -m analysis.sweep.engine``: Cronbach's α of simulated answers.

    ``params``: ``n`` respondents, ``k`` items, ``loading`` of the items on one latent trait; optional
    ``calls_dir`` (a file is written there per call, to count calls), ``fail_once`` (a marker file: the first
    call creates it and raises), ``always_fail`` (raise every time) and ``report_threads`` (add the largest
    thread count of the BLAS/OpenMP libraries loaded, as the task sees it).
    """
    from analysis.measure.reliability import alpha  # lazy: only the self-test needs the measurement layer
    import pandas as pd

    if params.get("calls_dir"):
        Path(params["calls_dir"], f"call-{uuid.uuid4().hex}").write_text(str(seed), encoding="utf-8")
    if params.get("fail_once"):
        marker = Path(params["fail_once"])
        if not marker.exists():
            marker.write_text("failed once", encoding="utf-8")
            raise RuntimeError("planned failure of the first attempt")
    if params.get("always_fail"):
        raise ValueError(f"planned failure of every attempt ({params['always_fail']})")
    rng = np.random.default_rng(seed)
    n, k, loading = int(params["n"]), int(params["k"]), float(params["loading"])
    trait = rng.standard_normal((n, 1))
    latent = loading * trait + np.sqrt(1 - loading**2) * rng.standard_normal((n, k))
    answers = np.clip(np.rint(3 + latent * 1.1), 1, 5)  # a five-point Likert scale
    table = alpha(pd.DataFrame(answers, columns=[f"q{j + 1}" for j in range(k)])).iloc[0]
    out = {"alpha": float(table["alpha"]), "ci": [float(table["alpha_ci_low"]), float(table["alpha_ci_high"])],
           "n": int(table["n"]), "mean": float(answers.mean()), "first_draw": float(trait[0, 0]), "seed": seed}
    if params.get("report_threads"):
        from threadpoolctl import threadpool_info

        out["blas_threads"] = max((lib["num_threads"] for lib in threadpool_info()), default=0)
    return out


def selftest_tasks(n_tasks: int) -> list[Task]:
    """The tasks of the self-test sweep: ``n_tasks`` α computations on samples of 60 to 250 answers.

    Parameters
    ----------
    n_tasks : int
        Number of tasks.

    Returns
    -------
    list of Task
        Ids ``"selftest/rep=NNNN"``, parameters for :func:`_selftest_task`.
    """
    return [Task(f"selftest/rep={r:04d}", {"n": 60 + 10 * (r % 20), "k": 4 + r % 5, "loading": 0.4 + 0.05 * (r % 9)})
            for r in range(n_tasks)]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m analysis.sweep.engine``: run the self-test sweep on an engine and serially, compare the results.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when the results are byte-identical (or the job script was printed), 1 when they differ or tasks
        failed.
    """
    from analysis.core.params import DEFAULTS

    parser = argparse.ArgumentParser(prog="python -m analysis.sweep.engine", description=main.__doc__.splitlines()[0])
    parser.add_argument("--engine", default="local", help="serial, local, scheduler or slurm (default local)")
    parser.add_argument("--workers", type=int, default=0, help="local: processes (0 = all cores); slurm: jobs")
    parser.add_argument("--address", default="", help="scheduler address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--slurm", default="", help="YAML file of SLURMCluster keyword arguments")
    parser.add_argument("--tasks", type=int, default=12, help="number of self-test tasks (default 12)")
    parser.add_argument("--job-script", action="store_true",
                        help="slurm: print the batch script SLURMCluster would submit, submit nothing")
    args = parser.parse_args(argv)
    try:
        config = engine_from_params({"sweep_engine": args.engine, "sweep_workers": args.workers,
                                     "sweep_address": args.address, "sweep_slurm": args.slurm})
    except ValueError as err:
        parser.error(str(err))
    if args.job_script:
        if config.kind != "slurm":
            parser.error("--job-script needs --engine slurm")
        # building the cluster starts its scheduler here but submits no job until it is scaled
        with _slurm_cluster_class()(**_slurm_kwargs(config.slurm)) as cluster:
            print(cluster.job_script())
        return 0
    tasks = selftest_tasks(args.tasks)
    seed = DEFAULTS["seed"]
    try:
        reference, _ = run_tasks(_selftest_task, tasks, seed, EngineConfig(kind="serial"), desc="serial reference")
        results, report = run_tasks(_selftest_task, tasks, seed, config, desc=f"self-test on {config.kind}")
    except SweepError as err:
        print(err, file=sys.stderr)
        return 1
    same = canonical_json(results) == canonical_json(reference)
    print(report.summary())
    print("results byte-identical to the serial run" if same else "RESULTS DIFFER from the serial run")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
