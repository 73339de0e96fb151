"""Compare the products of two builds file by file: results/, paper/generated/, data/processed/, figures/.

    python tools/compare_builds.py OLD_TREE NEW_TREE [--stage 03_reliability_validity]

Prints every file that differs or exists in one build only, and exits 1 if any
does. Used to prove that a refactoring changed no number (issue "One
declaration per stage": results/ and paper/generated/ identical before and
after). ``--stage`` limits the comparison to the files that stage declares.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

FOLDERS = ("results", "paper/generated", "data/processed", "figures")


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for f in FOLDERS for p in (root / f).rglob("*") if p.is_file()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--stage", help="compare only the outputs this stage declares (stages.toml of NEW)")
    ap.add_argument("--diff", action="store_true", help="show a unified diff of differing text files")
    a = ap.parse_args(argv)
    names = files(a.old) | files(a.new)
    if a.stage:
        sys.path.insert(0, str(a.new / "src"))
        from analysis.build import stages

        names = set(stages.load(a.new / "stages.toml")[a.stage].output_files()) - {
            stages.load(a.new / "stages.toml")[a.stage].executed}
    bad = 0
    for name in sorted(names):
        old, new = a.old / name, a.new / name
        if not old.exists() or not new.exists():
            print(f"only in {'new' if new.exists() else 'old'}: {name}")
            bad += 1
        elif old.read_bytes() != new.read_bytes():
            print(f"differs: {name}")
            bad += 1
            if a.diff and name.endswith((".tex", ".csv", ".json", ".md")):
                sys.stdout.writelines(list(difflib.unified_diff(
                    old.read_text(encoding="utf-8").splitlines(True), new.read_text(encoding="utf-8").splitlines(True),
                    "old/" + name, "new/" + name, n=0))[:40])
    print(f"{len(names) - bad} of {len(names)} files identical")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
