"""``make fuzz``: many mutated inputs through the survey importers and the codebook loader; a report of what broke.

Usage::

    .venv/bin/python tools/fuzz.py [--cases N] [--seed S] [--out build/fuzz] [--jobs J] [--timeout T]
                                   [--targets shipped,real,csv,sav,codebook,cases]

Runs at least ``N`` (default 10,000) mutated inputs in total, split over the targets: the shipped Wenjuanxing
pair, the real Wenjuanxing pair in ../shared (skipped where absent), a canonical CSV, an SPSS .sav, the
codebook, and the case tables when ``tests/test_fuzz_cases.py`` exists. Prints a line per finished target and
a summary table (target, cases, accepted, rejected by error class, failures), writes ``OUT/summary.json`` and,
for every failure, a reproducer folder ``OUT/failures/<target>/<n>-<kind>/`` (the mutated input files,
``case.json``, ``failure.txt`` with the exception, ``reproduce.py``). Exits 1 if anything failed, 2 if the
harness itself broke, 0 otherwise. Never writes into ``data/raw/`` (refused as ``--out``; checked by hash).

Design. The importer targets are driven directly through the strategies of ``tests/fuzz_inputs.py``
(hypothesis generates, :func:`fuzz_inputs.check_case` judges), not through pytest, because a fuzz run must
(1) go on after a failure -- pytest with hypothesis stops a test at its first failure and spends minutes
shrinking it, so one bug would hide every other -- (2) count accepted and rejected inputs by error class and
(3) save every failing input. Each chunk of cases runs in a forked worker process: the base inputs are built
once in this process and inherited, a worker's death (a native crash) or silence (a hang the per-call SIGALRM
limit could not interrupt, inside C code) becomes a failure with the case it was running, and the rest of the
chunk reruns in a new worker. Every importer call runs under a 4 GiB address-space cap (fuzz_inputs.memory_cap),
so a runaway allocation is reported (kind "memory") instead of pushing a shared machine into the OOM killer. The case tables belong to another test file whose tests assert (they stop at the
first failure), so that target is run with pytest: ``--hypothesis-profile=fuzz`` with ``FUZZ_MAX_EXAMPLES``
set to its share, ``--hypothesis-show-statistics`` for the number of examples, a JUnit XML for the failures
(each failing test with hypothesis' falsifying example and ``@reproduce_failure`` blob is a reproducer).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

RAW = ROOT / "data" / "raw"
CASES_TEST = ROOT / "tests" / "test_fuzz_cases.py"
#: Share of the cases each target gets (the case tables, when present, take CASES_SHARE of the total first).
SHARES = {"shipped": 0.24, "real": 0.12, "csv": 0.24, "sav": 0.15, "codebook": 0.25}
CASES_SHARE = 0.10
#: Mutation families of each target, repeated to weight them.
FAMILIES = {
    "shipped": ["cell"] * 4 + ["header"] * 2 + ["structure"] * 2 + ["format"],
    "real": ["cell"] * 3 + ["header", "structure", "structure", "format", "bytes"],
    "csv": ["cell"] * 4 + ["header"] * 2 + ["structure"] * 3 + ["bytes"] * 3,
    "sav": ["bytes"] * 3 + ["labels"] * 2 + ["data"] * 3,
    "codebook": ["text"] * 5 + ["dict"] * 4 + ["format"],
}
CHUNK = 200


@dataclass
class Job:
    target: str
    n: int
    seed: int
    index: int
    folder: Path
    proc: object = None
    started: float = 0.0
    restarts: int = 0


@dataclass
class Tally:
    cases: int = 0
    accepted: int = 0
    rejected: Counter = field(default_factory=Counter)
    failures: int = 0
    seconds: float = 0.0
    done_jobs: int = 0
    jobs: int = 0
    note: str = ""


# --------------------------------------------------------------------------- the worker
def _strategy(target: str):
    import fuzz_inputs as fz
    from hypothesis import strategies as st

    families = FAMILIES[target]
    if target == "shipped":
        table = {f: fz.pair_cases(fz.get_env().shipped, "shipped", (f,)) for f in set(families)}
    elif target == "real":
        pb = fz.get_real()
        table = {f: (fz.real_xls_bytes(pb) if f == "bytes" else fz.pair_cases(pb, "real", (f,))) for f in set(families)}
    elif target == "csv":
        table = {f: fz.canonical_cases((f,)) for f in set(families)}
    elif target == "sav":
        table = {f: fz.sav_cases((f,)) for f in set(families)}
    else:
        table = {f: fz.codebook_cases((f,)) for f in set(families)}
    return st.sampled_from(families).flatmap(lambda f: table[f])


def _worker(job: Job, timeout: float, failures_root: str) -> None:
    """Run ``job.n`` cases of one target; one JSON line per case in results.jsonl, a reproducer per failure."""
    import fuzz_inputs as fz
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    folder = job.folder
    log = open(folder / "worker.log", "a", encoding="utf-8")
    os.dup2(log.fileno(), 1)  # xlrd and pyreadstat talk on stdout/stderr: keep the console for the summary
    os.dup2(log.fileno(), 2)
    tmp = folder / "tmp"
    tmp.mkdir(exist_ok=True)
    tempfile.tempdir = str(tmp)
    results = open(folder / "results.jsonl", "a", encoding="utf-8")
    done = sum(1 for _ in open(folder / "results.jsonl", encoding="utf-8"))
    heartbeat = folder / "current"
    strategy = _strategy(job.target)
    count = {"n": done}

    def run_one(case):
        if count["n"] >= job.n:
            return
        if heartbeat.exists():
            shutil.rmtree(heartbeat)
        fz.save_reproducer(case, fz.Outcome("running", detail="this case was running"), heartbeat)
        outcome = fz.check_case(case, tmp, timeout=timeout)
        record = {"family": case.family, "op": case.op, "status": outcome.status, "error": outcome.error,
                  "kind": outcome.kind, "seconds": round(outcome.seconds, 3)}
        if outcome.failed:
            record["signature"] = outcome.signature(case)
            record["detail"] = outcome.detail[:400]
            record["location"] = outcome.location
            where = Path(failures_root) / job.target / f"{job.index:03d}-{count['n']:04d}-{outcome.kind}"
            fz.save_reproducer(case, outcome, where)
            record["reproducer"] = str(where)
        results.write(json.dumps(record, ensure_ascii=False) + "\n")
        results.flush()
        count["n"] += 1

    attempt = 0
    while count["n"] < job.n and attempt < 20:
        @settings(max_examples=job.n - count["n"], database=None, derandomize=False, deadline=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False,
                  report_multiple_bugs=False)
        @hseed(job.seed * 1000 + attempt)
        @given(case=strategy)
        def body(case):
            run_one(case)
        try:
            body()
        except Exception:  # noqa: BLE001 - a broken strategy: the harness's bug, recorded apart
            with open(folder / "harness_errors.txt", "a", encoding="utf-8") as f:
                f.write(traceback.format_exc() + "\n")
        attempt += 1
    if heartbeat.exists():
        shutil.rmtree(heartbeat)
    (folder / "done").write_text(str(count["n"]), encoding="utf-8")


# --------------------------------------------------------------------------- the parent
def _read_results(job: Job) -> list[dict]:
    path = job.folder / "results.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _record_death(job: Job, how: str, failures_root: Path) -> dict:
    """A worker died or hung: the case it was running becomes a failure (its files kept as the reproducer)."""
    n = len(_read_results(job))
    where = failures_root / job.target / f"{job.index:03d}-{n:04d}-{how}"
    current = job.folder / "current"
    if current.exists():
        shutil.copytree(current, where, dirs_exist_ok=True)
        info = json.loads((where / "case.json").read_text(encoding="utf-8"))
        detail = f"the worker {'died' if how == 'crash' else 'stopped answering'} while running: {info['what']}"
        info.update(failure=how, detail=detail)
        (where / "case.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
        (where / "failure.txt").write_text(f"{how}: {detail}\n", encoding="utf-8")
        op = info.get("op", "?")
    else:
        where.mkdir(parents=True, exist_ok=True)
        detail, op = f"the worker {how} outside a case", "?"
    record = {"family": "?", "op": op, "status": "failure", "error": None, "kind": how,
              "signature": f"{how}:worker:{job.target}:{op}", "detail": detail, "reproducer": str(where)}
    with open(job.folder / "results.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record


def _raw_hashes() -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(RAW.iterdir()) if p.is_file()}


def _run_case_tables(n_cases: int, seed: int, out: Path, tally: Tally, failures: list, failures_root: Path) -> None:
    """tests/test_fuzz_cases.py under pytest with the fuzz profile; examples counted from hypothesis' statistics."""
    folder = out / "cases"
    folder.mkdir(parents=True, exist_ok=True)
    collect = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                              str(CASES_TEST)], cwd=ROOT, capture_output=True, text=True)
    tests = [ln for ln in collect.stdout.splitlines() if "::" in ln]
    per_test = max(1, -(-n_cases // max(1, len(tests))))
    env = {**os.environ, "FUZZ_MAX_EXAMPLES": str(per_test)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(CASES_TEST),
                           "--hypothesis-profile=fuzz", "--hypothesis-show-statistics", f"--hypothesis-seed={seed}",
                           f"--junitxml={folder / 'junit.xml'}"], cwd=ROOT, capture_output=True, text=True, env=env)
    tally.seconds = time.perf_counter() - start
    (folder / "pytest.out").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    phase = None
    for line in proc.stdout.splitlines():
        m = re.search(r"during (\w+) phase", line)
        if m:
            phase = m.group(1)
        m = re.search(r"(\d+) passing(?: examples?)?, (\d+) failing", line)
        if m and phase != "shrink":
            tally.cases += int(m.group(1)) + int(m.group(2))
    if (folder / "junit.xml").exists():
        for case in ET.parse(folder / "junit.xml").getroot().iter("testcase"):
            bad = case.find("failure") if case.find("failure") is not None else case.find("error")
            if bad is None:
                continue
            name = case.get("name", "?")
            where = failures_root / "cases" / re.sub(r"[^\w.-]+", "_", name)[:80]
            where.mkdir(parents=True, exist_ok=True)
            text = (bad.get("message") or "") + "\n\n" + (bad.text or "")
            (where / "failure.txt").write_text(text, encoding="utf-8")
            failures.append({"target": "cases", "kind": "property", "op": name, "signature": f"cases:{name}",
                             "detail": (bad.get("message") or "")[:400], "reproducer": str(where),
                             "location": ""})
            tally.failures += 1
    tally.note = f"pytest exit {proc.returncode}; {len(tests)} tests, FUZZ_MAX_EXAMPLES={per_test}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="tools/fuzz.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=10_000, help="mutated inputs in total (default 10000)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the whole run (default 0)")
    ap.add_argument("--out", default="build/fuzz", help="output folder (default build/fuzz)")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes (default 2)")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per importer call (default 20)")
    ap.add_argument("--targets", default="shipped,real,csv,sav,codebook,cases")
    args = ap.parse_args(argv)

    out = (ROOT / args.out).resolve() if not Path(args.out).is_absolute() else Path(args.out).resolve()
    if out == RAW.resolve() or RAW.resolve() in out.parents or out in RAW.resolve().parents:
        print(f"refusing --out {out}: fuzzing never writes into or over data/raw/", file=sys.stderr)
        return 2
    for sub in ("failures", "work", "cases"):
        shutil.rmtree(out / sub, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    failures_root = out / "failures"
    failures_root.mkdir()
    raw_before = _raw_hashes()
    wall = time.perf_counter()
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(out / "hypothesis")  # not .hypothesis/ in the working tree
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(str(out / "hypothesis"))

    import fuzz_inputs as fz

    targets = [t for t in args.targets.split(",") if t]
    notes = []
    shares = {t: s for t, s in SHARES.items() if t in targets}
    if "real" in shares and not (fz.REAL_TEXT.is_file() and fz.REAL_NUMBER.is_file()):
        notes.append("the real Wenjuanxing pair (../shared/fixtures/wjx) is absent: its share went to 'shipped'")
        shares["shipped"] = shares.get("shipped", 0) + shares.pop("real")
    with_cases = "cases" in targets and CASES_TEST.exists()
    if "cases" in targets and not CASES_TEST.exists():
        notes.append("tests/test_fuzz_cases.py does not exist: no case-table target")
    total_share = sum(shares.values())
    budget = args.cases - (round(args.cases * CASES_SHARE) if with_cases else 0)
    counts = {t: max(1, round(budget * s / total_share)) for t, s in shares.items()}
    if shares:
        counts[max(counts, key=counts.get)] += budget - sum(counts.values())

    print(f"fuzz: {args.cases} cases, seed {args.seed}, {args.jobs} workers, {args.timeout:g} s per call -> {out}")
    print("fuzz: building the base inputs ...", flush=True)
    fz.get_env()
    if "real" in counts:
        fz.get_real()

    tallies = {t: Tally() for t in list(counts) + (["cases"] if with_cases else [])}
    failures: list[dict] = []
    pending: list[Job] = []
    for t, n in counts.items():
        for k in range(0, n, CHUNK):
            job = Job(t, min(CHUNK, n - k), args.seed * 100_003 + len(pending) * 7919 + 1, len(pending),
                      out / "work" / f"{len(pending):03d}-{t}")
            job.folder.mkdir(parents=True)
            pending.append(job)
            tallies[t].jobs += 1
    # interleave the targets so both workers stay busy and every target finishes at some point
    first = {t: min(j.index for j in pending if j.target == t) for t in counts}
    pending.sort(key=lambda j: ((j.index - first[j.target]) + 0.5) / tallies[j.target].jobs)
    ctx = mp.get_context("fork")
    running: list[Job] = []
    stale_after = args.timeout * 3 + 60
    cases_thread = None
    if with_cases:
        import threading

        cases_n = round(args.cases * CASES_SHARE)
        cases_thread = threading.Thread(target=_run_case_tables, args=(cases_n, args.seed, out, tallies["cases"],
                                                                      failures, failures_root), daemon=True)
        cases_thread.start()
    slots = max(1, args.jobs - (1 if cases_thread else 0))
    last_progress = time.time()
    while pending or running:
        if cases_thread and not cases_thread.is_alive() and slots < args.jobs:
            slots = args.jobs
            t = tallies["cases"]
            print(f"  cases     {t.cases:6d} cases, {t.failures} failures ({t.seconds:.0f} s; {t.note})", flush=True)
            short = cases_n - t.cases  # hypothesis stops a failing test early: make up the total elsewhere
            top = "csv" if "csv" in counts else next(iter(counts), None)
            for k in range(0, max(0, short) if top else 0, CHUNK):
                job = Job(top, min(CHUNK, short - k), args.seed * 100_003 + 50_000 + k, 900 + k // CHUNK,
                          out / "work" / f"{900 + k // CHUNK:03d}-{top}-topup")
                job.folder.mkdir(parents=True)
                pending.append(job)
                tallies[top].jobs += 1
        while pending and len(running) < slots:
            job = pending.pop(0)
            job.proc = ctx.Process(target=_worker, args=(job, args.timeout, str(failures_root)))
            job.started = time.time()
            job.proc.start()
            running.append(job)
        time.sleep(0.5)
        if time.time() - last_progress > 60:
            last_progress = time.time()
            done = sum(t.cases for t in tallies.values()) + sum(len(_read_results(j)) for j in running)
            bad = sum(t.failures for t in tallies.values())
            print(f"  ... {done} cases run, {bad}+ failures so far, {time.perf_counter() - wall:.0f} s", flush=True)
        for job in list(running):
            proc = job.proc
            beat = job.folder / "current"
            last = max(job.started, beat.stat().st_mtime if beat.exists() else 0)
            finished = (job.folder / "done").exists()
            if proc.is_alive() and not finished:
                if time.time() - last <= stale_after:
                    continue
                proc.kill()  # silent: a hang that SIGALRM could not cut (inside C code)
                proc.join(10)
                _record_death(job, "hang", failures_root)
            elif not finished:
                proc.join()
                _record_death(job, "crash", failures_root)  # died without finishing: a native crash
            proc.join()
            running.remove(job)
            results = _read_results(job)
            if len(results) < job.n and job.restarts < 5:
                job.restarts += 1
                job.seed += 104_729
                shutil.rmtree(job.folder / "current", ignore_errors=True)
                pending.insert(0, job)  # the rest of the chunk in a new worker
                continue
            _account(job, results, tallies[job.target], failures)
            t = tallies[job.target]
            t.done_jobs += 1
            if t.done_jobs == t.jobs:
                rej = ", ".join(f"{k} {v}" for k, v in t.rejected.most_common())
                print(f"  {job.target:9s} {t.cases:6d} cases: {t.accepted} accepted, rejected {rej or 0}, "
                      f"{t.failures} failures ({t.seconds:.0f} s of importer time)", flush=True)
    if cases_thread:
        cases_thread.join()
        if slots < args.jobs:
            t = tallies["cases"]
            print(f"  cases     {t.cases:6d} cases, {t.failures} failures ({t.seconds:.0f} s; {t.note})", flush=True)
    harness_errors = sorted(str(p) for p in (out / "work").glob("*/harness_errors.txt"))
    if _raw_hashes() != raw_before:
        failures.append({"target": "all", "kind": "modified-input", "op": "data/raw", "signature": "modified:data/raw",
                         "detail": "a file in data/raw/ changed during the run", "reproducer": "", "location": ""})
    return _summary(args, out, tallies, failures, notes, harness_errors, time.perf_counter() - wall)


def _account(job: Job, results: list[dict], tally: Tally, failures: list) -> None:
    for r in results:
        tally.cases += 1
        tally.seconds += r.get("seconds", 0)
        if r["status"] == "accepted":
            tally.accepted += 1
        elif r["status"] == "rejected":
            tally.rejected[r["error"]] += 1
        else:
            tally.failures += 1
            failures.append({"target": job.target, **r})


def _summary(args, out: Path, tallies: dict, failures: list, notes: list, harness_errors: list, wall: float) -> int:
    total = sum(t.cases for t in tallies.values())
    print(f"\n{'target':10s} {'cases':>7s} {'accepted':>9s}  {'rejected (by class)':40s} {'failures':>8s}")
    for name, t in tallies.items():
        rej = ", ".join(f"{k} {v}" for k, v in t.rejected.most_common()) or ("n/a" if name == "cases" else "0")
        acc = "n/a" if name == "cases" else str(t.accepted)
        print(f"{name:10s} {t.cases:7d} {acc:>9s}  {rej:40s} {t.failures:8d}")
    print(f"{'total':10s} {total:7d} {'':9s}  {'':40s} {len(failures):8d}")
    classes: dict[str, list] = defaultdict(list)
    for f in failures:
        classes[f.get("signature") or f"{f['kind']}:{f['target']}"].append(f)
    if classes:
        print(f"\n{len(classes)} distinct failure classes:")
        for sig, items in sorted(classes.items(), key=lambda kv: -len(kv[1])):
            first = items[0]
            print(f"  {len(items):5d} x {sig}\n        {first.get('detail', '')[:220]}\n"
                  f"        e.g. {first.get('reproducer')}")
    for note in notes:
        print(f"note: {note}")
    if harness_errors:
        print(f"harness errors (a bug in tests/fuzz_inputs.py, not in the importers): {harness_errors}")
    print(f"wall time {wall:.0f} s; summary {out / 'summary.json'}; reproducers under {out / 'failures'}")
    summary = {
        "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:]), "cases_requested": args.cases,
        "seed": args.seed, "jobs": args.jobs, "timeout_s": args.timeout, "wall_time_s": round(wall, 1),
        "cases_run": total, "notes": notes, "harness_errors": harness_errors,
        "targets": {name: {"cases": t.cases, "accepted": None if name == "cases" else t.accepted,
                           "rejected": dict(t.rejected), "failures": t.failures,
                           "importer_seconds": round(t.seconds, 1), "note": t.note} for name, t in tallies.items()},
        "failure_classes": [{"signature": sig, "count": len(items), "kind": items[0]["kind"],
                             "target": items[0]["target"], "detail": items[0].get("detail", ""),
                             "location": items[0].get("location", ""),
                             "reproducers": [i.get("reproducer") for i in items]}
                            for sig, items in sorted(classes.items(), key=lambda kv: -len(kv[1]))],
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    if failures:
        return 1
    return 2 if harness_errors or total < args.cases else 0


if __name__ == "__main__":
    raise SystemExit(main())
