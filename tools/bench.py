"""Benchmark: time and peak memory of the pipeline's steps (`make bench`).

Each step runs in a fresh subprocess so that its peak resident memory
(``ru_maxrss``) is its own; times are the best of ``--repeat`` runs. Results are
printed and written to ``build/bench.json``. Speed is measured here, never
asserted in unit tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SETUP = """
import pandas as pd
from analysis.core import paths
from analysis.data import cleaning
from analysis.data.codebook import load_codebook
from analysis.data.importers import import_survey
cb = load_codebook(paths.CODEBOOK)
"""
PREP = SETUP + """
raw = import_survey(cb, paths.SURVEY_TEXT, paths.SURVEY_NUMBER)
kept = cleaning.apply_exclusions(raw, cb).kept
scored = cleaning.reverse_score(kept, cb)
items = scored[cb.items()].astype(float)
scores = cleaning.scale_scores(scored, cb)
"""
STEPS = {
    "import (Wenjuanxing pair, 341 x 63)": (SETUP, "import_survey(cb, paths.SURVEY_TEXT, paths.SURVEY_NUMBER)"),
    "cleaning + scoring": (SETUP + "raw = import_survey(cb, paths.SURVEY_TEXT, paths.SURVEY_NUMBER)",
                           "k = cleaning.apply_exclusions(raw, cb).kept; cleaning.scale_scores(cleaning.reverse_score(k, cb), cb)"),
    "reliability table (9 constructs)": (PREP + "from analysis.measure import reliability",
                                         "reliability.reliability_table(items, cb.items_by_construct())"),
    "parallel analysis (20 iterations)": (PREP + "from analysis.measure import confirmatory, exploratory",
                                          "exploratory.parallel_analysis(items, n_iter=20, seed=1)"),
    "EFA minres oblimin (9 factors)": (PREP + "from analysis.measure import confirmatory, exploratory", "exploratory.efa(items, 9)"),
    "CFA (9 constructs, semopy)": (PREP + "from analysis.measure import confirmatory, exploratory",
                                   "confirmatory.cfa(items, cb.items_by_construct())"),
    "LMG importance, 1000 bootstraps": (PREP + "from analysis.findings import rootcause",
                                        "rootcause.relative_importance(scores['OUT'], scores[cb.constructs('driver')], n_boot=1000, seed=1)"),
}
RUNNER = """
import resource, sys, time
{setup}
best = float('inf')
for _ in range({repeat}):
    t = time.perf_counter(); {stmt}; best = min(best, time.perf_counter() - t)
print(best, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for name, (setup, stmt) in STEPS.items():
        code = RUNNER.format(setup=setup, stmt=stmt, repeat=args.repeat)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
        seconds, mib = map(float, out.stdout.split()[-2:])
        rows.append({"step": name, "seconds": round(seconds, 4), "peak_mib": round(mib, 1)})
        print(f"{name:42s} {seconds:8.3f} s  {mib:7.1f} MiB peak")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import pandas, matplotlib, seaborn, pingouin, factor_analyzer, semopy"],
                   check=True)
    imports = time.perf_counter() - t
    print(f"{'import the scientific stack':42s} {imports:8.3f} s")
    rows.append({"step": "import the scientific stack", "seconds": round(imports, 4), "peak_mib": None})
    out = ROOT / "build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"python": sys.version.split()[0], "repeat": args.repeat, "steps": rows}, indent=1))
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
