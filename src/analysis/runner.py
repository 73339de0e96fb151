"""Run one notebook with papermill: parameters in, executed copy and HTML out.

``python -m analysis.runner notebooks/NAME.ipynb --params build/params.yaml``

* passes the notebook exactly the parameters its ``parameters`` cell declares,
  taken from the resolved parameters file; a declared parameter that the file
  does not have is an error (every parameter lives in ``params.yaml``);
* executes into ``build/notebooks/NAME.ipynb`` (never into ``notebooks/``),
  writing to a temporary file first so a failed run leaves nothing that looks
  current;
* removes papermill's timestamps and durations, so a re-run diffs cleanly;
* renders the executed notebook to ``build/notebooks/NAME.html``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from pathlib import Path

import nbformat
import yaml

from . import paths

VOLATILE_KEYS = ("start_time", "end_time", "duration", "exception")


def declared_parameters(notebook: str | Path) -> dict[str, str]:
    """Names assigned in the cell tagged ``parameters`` → the source of their default."""
    nb = nbformat.read(str(notebook), as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{notebook}: expected exactly one code cell tagged 'parameters', found {len(cells)}")
    names = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    names[t.id] = ast.unparse(node.value) if node.value is not None else ""
    return names


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove timestamps and durations that papermill and nbclient record."""
    meta = nb.metadata.get("papermill", {})
    for key in VOLATILE_KEYS:
        meta.pop(key, None)
    meta.pop("input_path", None)
    meta.pop("output_path", None)
    for cell in nb.cells:
        pm = cell.metadata.get("papermill", {})
        for key in VOLATILE_KEYS:
            pm.pop(key, None)
        cell.metadata.pop("execution", None)
    return nb


def run(notebook: str | Path, params_file: str | Path, out_dir: str | Path = paths.EXECUTED,
        html: bool = True) -> Path:
    import papermill as pm

    notebook, out_dir = Path(notebook), Path(out_dir)
    params = yaml.safe_load(Path(params_file).read_text(encoding="utf-8")) or {}
    declared = declared_parameters(notebook)
    missing = sorted(set(declared) - set(params))
    if missing:
        raise SystemExit(f"error: {notebook} declares parameter(s) {missing} that {params_file} lacks; "
                         "add them to params.yaml")
    passed = {k: params[k] for k in declared}
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / notebook.name
    tmp = out_dir / f".{notebook.stem}.running.ipynb"
    env_root = str(paths.ROOT)
    os.environ.setdefault("JCOUNTY_ROOT", env_root)
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        pm.execute_notebook(str(notebook), str(tmp), parameters=passed, cwd=env_root, kernel_name="python3",
                            progress_bar=False, report_mode=False, log_output=False)
    except Exception:
        failed = out_dir / f"{notebook.stem}.failed.ipynb"
        if tmp.exists():
            tmp.replace(failed)
            print(f"error: {notebook} failed; the partial run is in {failed}", file=sys.stderr)
        raise
    nb = strip_volatile(nbformat.read(str(tmp), as_version=4))
    nbformat.write(nb, str(tmp))
    if html:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb)
        (out_dir / f"{notebook.stem}.html").write_text(body, encoding="utf-8")
    tmp.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analysis.runner", description=__doc__.splitlines()[0])
    ap.add_argument("notebook")
    ap.add_argument("--params", default=str(paths.BUILD / "params.yaml"))
    ap.add_argument("--out", default=str(paths.EXECUTED))
    ap.add_argument("--no-html", action="store_true")
    args = ap.parse_args(argv)
    target = run(args.notebook, args.params, args.out, html=not args.no_html)
    print(f"executed {args.notebook} -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
