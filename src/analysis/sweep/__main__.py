"""Command line of the sweeps: ``python -m analysis.sweep robustness|recovery --params P --out F [--cache D]``.

``make robustness`` (and so ``make all``) runs both sweeps this way::

    python -m analysis.sweep robustness --params build/params.yaml --out build/sweep/robustness.json \\
        --cache build/sweep/cache
    python -m analysis.sweep recovery --params build/params.yaml --out build/sweep/recovery.json \\
        --cache build/sweep/cache

The tasks run through :func:`analysis.sweep.engine.run_tasks` on the engine the parameters choose
(``sweep_engine``, ``sweep_workers``, ``sweep_address``, ``sweep_slurm``), with a progress bar on
the terminal. Every result is cached under a key of the task's parameters, its seed and
:func:`source_version` (a hash of the package's source that the tasks run), so a code change
recomputes and an unchanged sweep reads every result from the cache. The JSON written holds the tasks and their
results in task order and nothing about the engine, so it is byte-identical on one worker or many.
For the robustness sweep a make dependency file (``<out>.d``) lists the raw files it read, so that
editing one of them reruns the sweep.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

import yaml

from analysis.core import paths

#: The sweeps: name → (module, task builder, task function).
SWEEPS = {"robustness": ("analysis.sweep.robustness", "robustness_tasks", "robustness_task"),
          "recovery": ("analysis.sweep.recovery", "recovery_tasks", "recovery_task")}
#: Parameters that choose where tasks run, never what they compute: kept out of the written JSON.
ENGINE_KEYS = ("sweep_engine", "sweep_workers", "sweep_address", "sweep_slurm", "sweep_retries")
#: The package files whose content is hashed into the cache version.
SOURCE_SUFFIXES = (".py", ".yaml", ".json")
#: Layers whose code cannot reach a task's result: the tables and figures made from the sweeps, and the build.
#: The sweep modules import neither (tests/test_robustness.py checks it), so editing them reruns no task.
NOT_IN_TASKS = ("exhibits", "build")


def source_version(package: Path | None = None) -> str:
    """SHA-256 of the source the sweep tasks run: every ``.py``, ``.yaml`` and ``.json`` file, by path and content.

    Parameters
    ----------
    package : Path, optional
        The package folder; default ``src/analysis`` of the repository.

    Returns
    -------
    str
        Hex digest over the package's files outside the layers of :data:`NOT_IN_TASKS`; any edit of
        the code or data files the tasks can import changes it, so the cache recomputes.
    """
    package = package or paths.ROOT / "src" / "analysis"
    h = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES
                       and "__pycache__" not in p.parts
                       and p.relative_to(package).parts[0] not in NOT_IN_TASKS):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def write_depfile(out: Path, inputs: list[Path]) -> Path:
    """Write ``<out>.d``: a make rule naming the files a sweep read (as ``gcc -MMD -MP`` does for headers).

    Parameters
    ----------
    out : Path
        The sweep's output file (the rule's target).
    inputs : list of Path
        The files read.

    Returns
    -------
    Path
        The dependency file. Each input also gets an empty rule, so that a removed input makes the sweep
        rerun instead of stopping make.
    """
    def rel(p: Path) -> str:
        return paths.relative(p).replace(" ", "\\ ")

    names = [rel(p) for p in inputs]
    text = f"{rel(out)}: {' '.join(names)}\n" + "".join(f"{n}:\n" for n in names)
    dep = out.with_name(out.name + ".d")
    if not dep.exists() or dep.read_text(encoding="utf-8") != text:
        dep.write_text(text, encoding="utf-8")
    return dep


def run(name: str, params: dict[str, Any], out: Path, cache: Path | None, progress: bool = True) -> str:
    """Run one sweep and write its JSON; return the engine's one-line report.

    Parameters
    ----------
    name : {"robustness", "recovery"}
        The sweep.
    params : dict
        Resolved parameters (``build/params.yaml``).
    out : Path
        The JSON file to write.
    cache : Path or None
        The result cache folder.
    progress : bool, default True
        Show the progress bar.

    Returns
    -------
    str
        :meth:`~analysis.sweep.engine.SweepReport.summary`.
    """
    import importlib

    from analysis.sweep.engine import canonical_json, engine_from_params, run_tasks

    module_name, build, task = SWEEPS[name]
    module = importlib.import_module(module_name)
    config = engine_from_params(params)
    tasks = getattr(module, build)(params)
    version = source_version()
    results, report = run_tasks(getattr(module, task), tasks, int(params["seed"]), config, cache_dir=cache,
                                version=version, progress=progress, desc=name)
    record = {"sweep": name, "version": version, "seed": int(params["seed"]),
              "parameters": {k: v for k, v in sorted(params.items()) if k not in ENGINE_KEYS},
              "tasks": [{"id": t.id, "params": dict(t.params)} for t in tasks], "results": results}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(canonical_json(record) + "\n", encoding="utf-8")
    if name == "robustness":
        write_depfile(out, module.input_files(params))
    return report.summary()


def main(argv: list[str] | None = None) -> int:
    """``python -m analysis.sweep robustness|recovery --params P --out F [--cache D] [--no-progress]``.

    Parameters
    ----------
    argv : list of str, optional
        The arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success; 1 when tasks failed after their retries (each named with the last line of its
        traceback) or the parameters cannot be used; 2 on a usage error.
    """
    ap = argparse.ArgumentParser(prog="python -m analysis.sweep", description=__doc__.split("\n\n")[0])
    ap.add_argument("sweep", choices=sorted(SWEEPS))
    ap.add_argument("--params", required=True, help="resolved parameters (build/params.yaml)")
    ap.add_argument("--out", required=True, help="JSON file to write (build/sweep/<sweep>.json)")
    ap.add_argument("--cache", default=None, help="folder of cached task results (build/sweep/cache)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar (default: shown on a terminal only)")
    args = ap.parse_args(argv)
    from analysis.sweep.engine import SweepError

    params = yaml.safe_load(Path(args.params).read_text(encoding="utf-8")) or {}
    try:
        # the bar is for a person at a terminal; in a log (make test, CI) it would be noise
        summary = run(args.sweep, params, Path(args.out), Path(args.cache) if args.cache else None,
                      progress=sys.stderr.isatty() and not args.no_progress)
    except SweepError as err:
        print(f"error: the {args.sweep} sweep failed:\n{err}", file=sys.stderr)
        for task_id, text in err.failures.items():
            print(f"--- {task_id}\n{text.strip()}", file=sys.stderr)
        return 1
    except (ValueError, KeyError) as err:
        print(f"error: the {args.sweep} sweep cannot run: {err}", file=sys.stderr)
        return 1
    print(f"sweep    {summary} -> {paths.relative(Path(args.out))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
