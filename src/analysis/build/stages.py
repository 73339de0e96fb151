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
import re
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
# the paper build's own files (analysis.build.paper, analysis.build.registry), each also in the Chinese edition's zh/
_PAPER_BUILD = ("provenance.tex", "tab_parameters.tex", "appendix_provenance.tex", "appendix_instrument.tex",
                "appendix_registry.tex")
NOT_STAGE_OUTPUTS = ({"data/processed/README.md", "data/processed/.gitkeep", "paper/generated/registry.json"}
                     | {f"paper/generated/{f}" for f in _PAPER_BUILD} | {f"paper/generated/zh/{f}" for f in _PAPER_BUILD})
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
    globs: dict[str, tuple[str, ...]] = field(default_factory=dict)
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
        # each exhibit also in the Chinese edition's folders (figures/zh/, paper/generated/zh/)
        for fig in o.get("figures", ()):
            out += [f"figures/{fig}.pdf", f"figures/{fig}.png", f"figures/zh/{fig}.pdf", f"figures/zh/{fig}.png"]
        for v in o.get("values", ()):
            out += [f"paper/generated/values_{v}.tex", f"results/{v}.json", f"paper/generated/zh/values_{v}.tex"]
        for t in o.get("tables", ()):
            out += [f"paper/generated/tab_{t}.tex", f"results/{t}.csv", f"paper/generated/zh/tab_{t}.tex"]
        out += [f for t in o.get("tex_only", ()) for f in (f"paper/generated/tab_{t}.tex",
                                                          f"paper/generated/zh/tab_{t}.tex")]
        out += [f"results/{f}" for f in o.get("results", ())]
        return out


def load(path: str | Path = STAGES_FILE) -> dict[str, Stage]:
    """Read and check ``stages.toml``: name → :class:`Stage`, in file order.

    Parameters
    ----------
    path : str or Path, default ``STAGES_FILE``
        The stage declarations (``stages.toml`` at the top of the repository).

    Returns
    -------
    dict of str to Stage
        Every declared stage, keyed by name, in the order of the file.

    Raises
    ------
    StageError
        If the file cannot be read or parsed, a stage has an unknown key or
        input/output kind, no notebook, a name other than its notebook's stem, or
        an output that another stage already declares, or no stage is declared.
    """
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
                      globs={p: (pat,) if isinstance(pat, str) else tuple(pat)
                             for p, pat in inputs.get("globs", {}).items()},
                      files=tuple(inputs.get("files", ())),
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
    """Output file → the stage that declares it.

    Parameters
    ----------
    stages : dict of str to Stage, optional
        The stages; read with :func:`load` when not given.

    Returns
    -------
    dict of str to str
        Repository-relative output path → stage name, the executed notebooks included.
    """
    stages = load() if stages is None else stages
    return {f: s.name for s in stages.values() for f in s.output_files()}


def input_files(stage: Stage, params: dict) -> list[str]:
    """The files a stage reads, with parameter values and globs resolved (for provenance).

    Parameters
    ----------
    stage : Stage
        The stage.
    params : dict
        The resolved parameters; a file parameter's value is a path, a glob's
        parameter names the folder the pattern is matched in.

    Returns
    -------
    list of str
        Paths of the file parameters that are set, then each glob's matches
        (sorted), then the stage's fixed ``files``.
    """
    files = [str(params[p]) for p in stage.params if params.get(p)]
    for p, patterns in stage.globs.items():
        files += sorted({f for pat in patterns for f in glob.glob(os.path.join(str(params.get(p, "")), pat))})
    return files + list(stage.files)


# --------------------------------------------------------------------------- the Makefile's rules
def makefile_rules(stages: dict[str, Stage], params: dict) -> str:
    """The notebook rules of the Makefile (included as ``build/stages.mk``).

    Each stage gets a grouped-target rule (``&:``) whose outputs are its declared
    files and whose prerequisites are its notebook, its input files and globs, its
    declaration stamp and its parameter file.

    Parameters
    ----------
    stages : dict of str to Stage
        The stages, as from :func:`load`.
    params : dict
        The resolved parameters, for the input file names.

    Returns
    -------
    str
        The text of ``build/stages.mk``.
    """
    lines = ["# Generated from stages.toml by `python -m analysis.build.stages makefile`. Do not edit.", ""]
    for s in stages.values():
        var = f"OUT_{s.name}"
        prereqs = [s.notebook]
        prereqs += [str(params[p]) for p in s.params if params.get(p)]
        prereqs += [f"$(wildcard {' '.join(f'{params.get(p, chr(46))}/{pat}' for pat in pats)})"
                    for p, pats in s.globs.items()]
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

    Parameters
    ----------
    name : str
        The stage's name.

    Returns
    -------
    str
        The repository-relative path ``build/stages/<name>.json``.
    """
    return f"build/stages/{name}.json"


def stage_params_file(name: str) -> str:
    """The resolved values of one stage's parameters, rewritten only when one of them changes.

    A stage's rule depends on it rather than on the whole resolved parameter
    file, so that ``make all SEED=7`` reruns only the notebooks that read ``seed``.

    Parameters
    ----------
    name : str
        The stage's name.

    Returns
    -------
    str
        The repository-relative path ``build/params/<name>.yaml``.
    """
    return f"build/params/{name}.yaml"


def write_stage_params(stages: dict[str, Stage], params: dict, root: Path = paths.ROOT) -> None:
    """Write each stage's parameter file (:func:`stage_params_file`) where its content changed.

    A stage's parameters are those its notebook declares in its ``parameters``
    cell (:func:`analysis.build.runner.declared_parameters`).

    Parameters
    ----------
    stages : dict of str to Stage
        The stages.
    params : dict
        The resolved parameters of the whole build.
    root : Path, default ``paths.ROOT``
        The repository root.

    Returns
    -------
    None
        Files whose text is already current are left untouched, so their
        modification times do not trigger make.
    """
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
    """Write each stage's declaration stamp (:func:`declaration_stamp`) where its content changed.

    Parameters
    ----------
    stages : dict of str to Stage
        The stages.
    root : Path, default ``paths.ROOT``
        The repository root.

    Returns
    -------
    None
        Each stamp holds the stage's declaration as sorted JSON; stamps already
        current are left untouched.
    """
    for s in stages.values():
        text = json.dumps({"notebook": s.notebook, "params": s.params, "globs": s.globs, "files": s.files,
                           "outputs": s.outputs}, indent=1, sort_keys=True) + "\n"
        stamp = root / declaration_stamp(s.name)
        if not stamp.exists() or stamp.read_text(encoding="utf-8") != text:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- the README's exhibits
def exhibit_cells(notebook: dict, names: list[str]) -> dict[str, int]:
    """The cell (counted from 1, as the notebook and its HTML page show them) that writes each exhibit.

    Parameters
    ----------
    notebook : dict
        The notebook's JSON.
    names : list of str
        The exhibits' names as the stage declares them.

    Returns
    -------
    dict
        Name → cell number; a name no code cell writes (``st.figure/table/values/placeholder`` with
        the name as a string) is left out.
    """
    writes = re.compile(r"st\.(figure|table|values|placeholder|result)\(")
    out: dict[str, int] = {}
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        if not writes.search(source):
            continue
        for name in names:
            if name not in out and re.search(rf"[\"']{re.escape(name)}[\"']", source):
                out[name] = number
        if "st.values(" in source:
            out.setdefault("@values", number)
    return out


def parameters_cell(notebook: dict) -> int | None:
    """The number of the cell tagged ``parameters`` (papermill injects its values after it).

    Parameters
    ----------
    notebook : dict
        The notebook's JSON.

    Returns
    -------
    int or None
        Counted from 1; None when no cell has the tag.
    """
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return number
    return None


def stage_times(bench_file: Path) -> dict[str, float]:
    """Each stage's run time in the measured ``make all`` of ``bench/fixed_costs.csv`` (rows ``notebook NAME``).

    Parameters
    ----------
    bench_file : Path
        ``bench/fixed_costs.csv`` (written by ``make bench``).

    Returns
    -------
    dict
        Stage → seconds; empty when the file does not exist.
    """
    import csv

    if not bench_file.exists():
        return {}
    with bench_file.open(encoding="utf-8") as fh:
        return {r["step"].strip().split(" ", 1)[1]: float(r["seconds"]) for r in csv.DictReader(fh)
                if r["kind"] == "make all stage" and r["step"].strip().startswith("notebook ")}


def readme_table(stages: dict[str, Stage] | None = None, root: Path | None = None) -> str:
    """The README's table: each notebook with its exhibits, the cell that writes each, its seed and run time.

    In the manner of the AEA Data Editor's README template: a reader finds every exhibit's
    notebook and cell, where the random seed is set and how long the stage takes.

    Parameters
    ----------
    stages : dict of str to Stage, optional
        The stages; read with :func:`load` when not given.
    root : Path, optional
        The project root (notebooks, ``params.yaml``, ``bench/fixed_costs.csv``); default the project's.

    Returns
    -------
    str
        A Markdown table, one row per stage plus one for the paper build, and a line naming the
        measured run the times come from.
    """
    from analysis.build.runner import declared_parameters   # the runner's reading of the parameters cell

    root = paths.ROOT if root is None else root
    stages = load(root / "stages.toml") if stages is None else stages
    times = stage_times(root / "bench" / "fixed_costs.csv")
    rows = ["| notebook | figures (`figures/*.pdf`, `*.png`; Chinese: `figures/zh/`) | tables "
            "(`paper/generated/tab_*.tex`, data in `results/*.csv`) | numbers (`paper/generated/values_*.tex`, "
            "`results/*.json`) | other files | seed | run time |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for s in stages.values():
        o = s.outputs
        nb = json.loads((root / s.notebook).read_text(encoding="utf-8"))
        cells = exhibit_cells(nb, list(o.get("figures", ())) + list(o.get("tables", ()) + o.get("tex_only", ())))
        cell = lambda n: f"`{n}` (cell {cells.get(n, '?')})"  # noqa: E731
        values_cell = lambda n: f"`{n}` (cell {cells.get('@values', '?')})"  # noqa: E731
        other = [f"`data/processed/{f}`" for f in o.get("processed", ())] + [f"`results/{f}`" for f in o.get("results", ())]
        pcell = parameters_cell(nb)
        seeded = any("seed" in p for p in declared_parameters(root / s.notebook))
        seed = f"`seed` (params.yaml), parameters cell {pcell}" if seeded and pcell else "none drawn"
        t = f"{times[s.name]:.1f} s" if s.name in times else "not measured"
        rows.append(f"| `{s.name}` | {', '.join(cell(f) for f in o.get('figures', ()))} | "
                    f"{', '.join(cell(t_) for t_ in o.get('tables', ()) + o.get('tex_only', ()))} | "
                    f"{', '.join(values_cell(v) for v in o.get('values', ()))} | {', '.join(other)} | {seed} | {t} |")
    rows.append("| paper build (`analysis.build.paper`, `analysis.build.registry`) | | `parameters` | `provenance` "
                "(commit, data status), `appendix_provenance`, `appendix_registry`, `appendix_instrument` | "
                "`paper/generated/registry.json` | | |")
    rows.append("")
    rows.append("Cells are counted from 1 in the notebook (and its HTML page); run times are those of the measured "
                "`make all` in `bench/fixed_costs.csv` (`make bench`), on the machine that `bench/README.md` describes.")
    return "\n".join(rows)


def update_readme(readme: Path, table: str) -> str:
    """``readme``'s text with the block between the markers replaced by ``table``.

    Parameters
    ----------
    readme : Path
        The README file; it is read, not written.
    table : str
        The new block, as from :func:`readme_table`.

    Returns
    -------
    str
        The README's new text.

    Raises
    ------
    StageError
        If either marker line (:data:`README_BEGIN`, :data:`README_END`) is missing.
    """
    text = readme.read_text(encoding="utf-8")
    if README_BEGIN not in text or README_END not in text:
        raise StageError(f"{readme}: the exhibit markers are missing")
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_BEGIN}\n{table}\n{README_END}{tail}"


# --------------------------------------------------------------------------- checks while and after a stage runs
def allowed(path: str | Path) -> None:
    """Inside a running stage (``JCOUNTY_STAGE`` set), refuse to write a file the stage does not declare.

    Parameters
    ----------
    path : str or Path
        The file about to be written.

    Returns
    -------
    None
        Returns silently when no stage is running or the stage declares ``path``.

    Raises
    ------
    StageError
        If the running stage does not declare ``path``, or ``JCOUNTY_STAGE`` names
        no stage of ``stages.toml``.
    """
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
    """Modification times of every file in the output folders (taken before a stage runs).

    Parameters
    ----------
    root : Path, default ``paths.ROOT``
        The repository root.

    Returns
    -------
    dict of str to float
        Repository-relative path → modification time, for every file under
        :data:`OUTPUT_FOLDERS`.
    """
    return _snapshot(root)


def check_run(stage: Stage, before: dict[str, float], root: Path = paths.ROOT,
              stages: dict[str, Stage] | None = None) -> list[str]:
    """Problems of a finished stage: declared outputs it did not write, files nobody declares that appeared.

    Files that another stage declares are not counted (under ``make -j`` two
    stages run at once); the executed notebook is written by the runner later.

    Parameters
    ----------
    stage : Stage
        The stage that ran.
    before : dict of str to float
        The :func:`snapshot` taken before it ran.
    root : Path, default ``paths.ROOT``
        The repository root.
    stages : dict of str to Stage, optional
        All stages; read with :func:`load` when not given.

    Returns
    -------
    list of str
        One message per problem; empty when the stage kept its declaration.
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
    """What a stage ran on and made: its parameters, inputs and outputs with their SHA-256.

    Parameters
    ----------
    stage : Stage
        The stage that ran.
    params : dict
        The parameters it ran with.
    root : Path, default ``paths.ROOT``
        The repository root.

    Returns
    -------
    dict
        Keys ``stage``, ``notebook``, ``parameters``, ``inputs`` and ``outputs``;
        the last two map each file to its SHA-256, or None when it does not exist.
    """
    from analysis.core.provenance import sha256

    def files(names):
        return {f: sha256(root / f) if (root / f).is_file() else None for f in names}

    return {"stage": stage.name, "notebook": stage.notebook, "parameters": params,
            "inputs": files(input_files(stage, params)), "outputs": files(stage.output_files()[1:])}


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m analysis.build.stages makefile OUT PARAMS`` or ``readme [--check]``.

    ``makefile`` writes the declaration stamps, the per-stage parameter files and
    the Makefile rules to ``OUT`` (each only where changed); ``readme`` rewrites the
    README's table of exhibits, or with ``--check`` only compares it.

    Parameters
    ----------
    argv : list of str, optional
        The arguments; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 on success, 1 when ``readme --check`` finds the README out of
        date, 2 on a :class:`StageError` (the message goes to standard error).
    """
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
