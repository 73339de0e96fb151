"""The stages of the build, declared once in ``stages.toml``.

Everything that needs to know what a notebook reads or writes asks this module:

* ``python -m analysis.build.stages makefile OUT PARAMS`` writes the Makefile's
  notebook rules (``build/stages.mk``, included by the Makefile);
* ``python -m analysis.build.stages readme [--check]`` writes (or checks) the README's
  table of exhibits between its two marker lines;
* :func:`check_run` is the runner's check after a notebook ran: every declared
  output was written, and no file that no stage declares appeared in an output
  folder;
* :func:`allowed` is asked by the writers (``report.write_table``,
  ``report.write_values``, ``style.save``): inside a running stage they refuse
  a file the stage does not declare;
* :func:`provenance_record` is what the runner stores in
  ``build/provenance/<stage>.json``: parameters, inputs and outputs with their
  SHA-256.
"""

from __future__ import annotations

import glob
import json
import os
import sys
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from analysis.core import paths

STAGES_FILE = paths.ROOT / "stages.toml"
#: The environment variable the runner sets for the kernel: the name of the stage running.
STAGE_ENV = "JCOUNTY_STAGE"
#: Folders the stages write to; anything new in them must be declared by some stage.
OUTPUT_FOLDERS = ("data/processed", "figures", "results", "paper/generated")
#: Files in the output folders that are not written by a stage (documentation, the paper rule's own files).
NOT_STAGE_OUTPUTS = {"data/processed/README.md", "data/processed/.gitkeep", "paper/generated/provenance.tex",
                     "paper/generated/tab_parameters.tex"}
README_BEGIN = "<!-- exhibits: generated from stages.toml by `python -m analysis.build.stages readme`; do not edit -->"
README_END = "<!-- exhibits: end -->"

OUTPUT_KINDS = ("processed", "figures", "tables", "tex_only", "values", "results")


class StageError(ValueError):
    """A stage declaration that cannot be used, or a stage that broke its declaration."""


@dataclass(frozen=True)
class Stage:
    """One notebook's declaration: its name, notebook, inputs and outputs."""

    name: str
    notebook: str
    params: tuple[str, ...] = ()
    globs: dict[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    outputs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def executed(self) -> str:
        """The executed copy of the notebook (its HTML is written beside it)."""
        return f"build/notebooks/{Path(self.notebook).name}"

    def output_files(self) -> list[str]:
        """Every file the stage writes, repository-relative, in declaration order (the executed copy first)."""
        out = [self.executed]
        o = self.outputs
        out += [f"data/processed/{f}" for f in o.get("processed", ())]
        for fig in o.get("figures", ()):
            out += [f"figures/{fig}.pdf", f"figures/{fig}.png"]
        for v in o.get("values", ()):
            out += [f"paper/generated/values_{v}.tex", f"results/{v}.json"]
        for t in o.get("tables", ()):
            out += [f"paper/generated/tab_{t}.tex", f"results/{t}.csv"]
        out += [f"paper/generated/tab_{t}.tex" for t in o.get("tex_only", ())]
        out += [f"results/{f}" for f in o.get("results", ())]
        return out


def load(path: str | Path = STAGES_FILE) -> dict[str, Stage]:
    """Read and check ``stages.toml``: name → :class:`Stage`, in file order."""
    path = Path(path)
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise StageError(f"{path}: {exc}") from None
    stages: dict[str, Stage] = {}
    seen: dict[str, str] = {}
    for name, entry in spec.get("stages", {}).items():
        where = f"{path.name}: [stages.{name}]"
        unknown = set(entry) - {"notebook", "inputs", "outputs"}
        if unknown:
            raise StageError(f"{where}: unknown key(s) {sorted(unknown)}; expected notebook, inputs, outputs")
        if "notebook" not in entry:
            raise StageError(f"{where}: no notebook")
        inputs, outputs = entry.get("inputs", {}), entry.get("outputs", {})
        bad_in = set(inputs) - {"params", "globs", "files"}
        bad_out = set(outputs) - set(OUTPUT_KINDS)
        if bad_in or bad_out:
            raise StageError(f"{where}: unknown input or output kind(s) {sorted(bad_in | bad_out)}; "
                             f"inputs: params, globs, files; outputs: {', '.join(OUTPUT_KINDS)}")
        stage = Stage(name=name, notebook=entry["notebook"], params=tuple(inputs.get("params", ())),
                      globs=dict(inputs.get("globs", {})), files=tuple(inputs.get("files", ())),
                      outputs={k: tuple(v) for k, v in outputs.items()})
        if Path(stage.notebook).stem != name:
            raise StageError(f"{where}: the stage must be named after its notebook ({Path(stage.notebook).stem})")
        for f in stage.output_files():
            if f in seen:
                raise StageError(f"{where}: {f} is already an output of stage {seen[f]}")
            seen[f] = name
        stages[name] = stage
    if not stages:
        raise StageError(f"{path}: declares no [stages.NAME]")
    return stages


def all_outputs(stages: dict[str, Stage] | None = None) -> dict[str, str]:
    """Output file → the stage that declares it."""
    stages = load() if stages is None else stages
    return {f: s.name for s in stages.values() for f in s.output_files()}


def input_files(stage: Stage, params: dict) -> list[str]:
    """The files a stage reads, with parameter values and globs resolved (for provenance)."""
    files = [str(params[p]) for p in stage.params if params.get(p)]
    for p, pattern in stage.globs.items():
        files += sorted(glob.glob(os.path.join(str(params.get(p, "")), pattern)))
    return files + list(stage.files)


# --------------------------------------------------------------------------- the Makefile's rules
def makefile_rules(stages: dict[str, Stage], params: dict) -> str:
    """The notebook rules of the Makefile (included as ``build/stages.mk``)."""
    lines = ["# Generated from stages.toml by `python -m analysis.build.stages makefile`. Do not edit.", ""]
    for s in stages.values():
        var = f"OUT_{s.name}"
        prereqs = [s.notebook]
        prereqs += [str(params[p]) for p in s.params if params.get(p)]
        prereqs += [f"$(wildcard {params.get(p, '.')}/{pat})" for p, pat in s.globs.items()]
        prereqs += list(s.files)
        prereqs += [declaration_stamp(s.name), stage_params_file(s.name)]
        lines += [f"{var} := {' '.join(s.output_files())}",
                  f"$({var}) &: {' '.join(prereqs)} $(COMMON) | $(TEX_STAMP)",
                  "\t$(RUN)",
                  f"NOTEBOOK_OUTPUTS += $({var})",
                  f"STAGE_NAMES += {s.name}",
                  ""]
    return "\n".join(lines)


def declaration_stamp(name: str) -> str:
    """A file that holds one stage's declaration, rewritten only when that declaration changes.

    A stage's rule depends on it rather than on stages.toml, so that adding or
    editing one stage reruns that stage alone.
    """
    return f"build/stages/{name}.json"


def stage_params_file(name: str) -> str:
    """The resolved values of one stage's parameters, rewritten only when one of them changes.

    A stage's rule depends on it rather than on the whole resolved parameter
    file, so that ``make all SEED=7`` reruns only the notebooks that read ``seed``.
    """
    return f"build/params/{name}.yaml"


def write_stage_params(stages: dict[str, Stage], params: dict, root: Path = paths.ROOT) -> None:
    import yaml

    from analysis.build.runner import declared_parameters

    for s in stages.values():
        mine = {k: params.get(k) for k in declared_parameters(root / s.notebook)}
        text = yaml.safe_dump(mine, sort_keys=True, allow_unicode=True)
        out = root / stage_params_file(s.name)
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")


def write_declaration_stamps(stages: dict[str, Stage], root: Path = paths.ROOT) -> None:
    for s in stages.values():
        text = json.dumps({"notebook": s.notebook, "params": s.params, "globs": s.globs, "files": s.files,
                           "outputs": s.outputs}, indent=1, sort_keys=True) + "\n"
        stamp = root / declaration_stamp(s.name)
        if not stamp.exists() or stamp.read_text(encoding="utf-8") != text:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- the README's exhibits
def readme_table(stages: dict[str, Stage] | None = None) -> str:
    """The README's table: each notebook with its figures, tables and values."""
    stages = load() if stages is None else stages
    rows = ["| notebook | figures (`figures/*.pdf`, `*.png`) | tables (`paper/generated/tab_*.tex`, data in "
            "`results/*.csv`) | numbers (`paper/generated/values_*.tex`, `results/*.json`) | other files |",
            "| --- | --- | --- | --- | --- |"]
    for s in stages.values():
        o = s.outputs
        other = [f"`data/processed/{f}`" for f in o.get("processed", ())] + [f"`results/{f}`" for f in o.get("results", ())]
        rows.append(f"| `{s.name}` | {', '.join(f'`{f}`' for f in o.get('figures', ()))} | "
                    f"{', '.join(f'`{t}`' for t in o.get('tables', ()) + o.get('tex_only', ()))} | "
                    f"{', '.join(f'`{v}`' for v in o.get('values', ()))} | {', '.join(other)} |")
    rows.append("| paper build (`analysis.build.paper`) | | `parameters` | `provenance` (commit, data status) | |")
    return "\n".join(rows)


def update_readme(readme: Path, table: str) -> str:
    """``readme``'s text with the block between the markers replaced by ``table``."""
    text = readme.read_text(encoding="utf-8")
    if README_BEGIN not in text or README_END not in text:
        raise StageError(f"{readme}: the exhibit markers are missing")
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_BEGIN}\n{table}\n{README_END}{tail}"


# --------------------------------------------------------------------------- checks while and after a stage runs
def allowed(path: str | Path) -> None:
    """Inside a running stage (``JCOUNTY_STAGE`` set), refuse to write a file the stage does not declare."""
    name = os.environ.get(STAGE_ENV)
    if not name:
        return
    declared = _declared_outputs(name, STAGES_FILE.stat().st_mtime_ns)
    rel = paths.relative(path)
    if rel not in declared:
        raise StageError(f"stage {name} does not declare {rel}: add it to [stages.{name}] in stages.toml")


@lru_cache(maxsize=8)
def _declared_outputs(name: str, _mtime_ns: int) -> frozenset[str]:
    """One stage's outputs, read once per version of stages.toml (the writers ask for every file)."""
    stages = load()
    if name not in stages:
        raise StageError(f"{STAGE_ENV}={name!r} is not a stage of stages.toml")
    return frozenset(stages[name].output_files())


def _snapshot(root: Path) -> dict[str, float]:
    out = {}
    for folder in OUTPUT_FOLDERS:
        for p in (root / folder).rglob("*"):
            if p.is_file():
                out[p.relative_to(root).as_posix()] = p.stat().st_mtime
    return out


def snapshot(root: Path = paths.ROOT) -> dict[str, float]:
    """Modification times of every file in the output folders (taken before a stage runs)."""
    return _snapshot(root)


def check_run(stage: Stage, before: dict[str, float], root: Path = paths.ROOT,
              stages: dict[str, Stage] | None = None) -> list[str]:
    """Problems of a finished stage: declared outputs it did not write, files nobody declares that appeared.

    Files that another stage declares are not counted (under ``make -j`` two
    stages run at once); the executed notebook is written by the runner later.
    """
    stages = load() if stages is None else stages
    declared_anywhere = set(all_outputs(stages)) | NOT_STAGE_OUTPUTS
    after = _snapshot(root)
    changed = {f for f, t in after.items() if before.get(f) != t}
    problems = [f"declared but not written: {f}" for f in stage.output_files()[1:] if f not in changed]
    problems += [f"written but declared by no stage: {f} (declare it in [stages.{stage.name}] of stages.toml)"
                 for f in sorted(changed - declared_anywhere)]
    return problems


def provenance_record(stage: Stage, params: dict, root: Path = paths.ROOT) -> dict:
    """What a stage ran on and made: its parameters, inputs and outputs with their SHA-256."""
    from analysis.core.provenance import sha256

    def files(names):
        return {f: sha256(root / f) if (root / f).is_file() else None for f in names}

    return {"stage": stage.name, "notebook": stage.notebook, "parameters": params,
            "inputs": files(input_files(stage, params)), "outputs": files(stage.output_files()[1:])}


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m analysis.build.stages", description="The build's stage declarations.")
    sub = ap.add_subparsers(dest="command", required=True)
    mk = sub.add_parser("makefile", help="write the Makefile's notebook rules")
    mk.add_argument("out")
    mk.add_argument("params")
    rd = sub.add_parser("readme", help="write the README's table of exhibits")
    rd.add_argument("--check", action="store_true", help="fail if README.md is not up to date")
    args = ap.parse_args(argv)
    try:
        stages = load()
        if args.command == "makefile":
            import yaml

            params = yaml.safe_load(Path(args.params).read_text(encoding="utf-8")) or {}
            write_declaration_stamps(stages)
            write_stage_params(stages, params)
            text = makefile_rules(stages, params)
            out = Path(args.out)
            if not out.exists() or out.read_text(encoding="utf-8") != text:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(text, encoding="utf-8")
        elif args.command == "readme":
            readme = paths.ROOT / "README.md"
            text = update_readme(readme, readme_table(stages))
            if args.check:
                if text != readme.read_text(encoding="utf-8"):
                    print("error: README.md's table of exhibits is out of date: run python -m analysis.build.stages readme",
                          file=sys.stderr)
                    return 1
            else:
                readme.write_text(text, encoding="utf-8")
    except StageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
