"""Run one notebook with papermill: parameters in, executed copy and HTML out.

``python -m analysis.build.runner notebooks/NAME.ipynb --params build/params.yaml``

* passes the notebook exactly the parameters its ``parameters`` cell declares,
  taken from the resolved parameters file; a declared parameter that the file
  does not have is an error (every parameter lives in ``params.yaml``);
* executes into ``build/notebooks/NAME.ipynb`` (never into ``notebooks/``),
  writing to a temporary file first so a failed run leaves nothing that looks
  current;
* removes papermill's timestamps and durations, so a re-run diffs cleanly;
* renders the executed notebook to ``build/notebooks/NAME.html``, a page that
  loads MathJax from the copy beside it (:mod:`analysis.build.site`), never from a
  CDN, so that formulas render offline;
* prints one line per notebook; what the kernel writes to stderr (warnings
  about its transport, library chatter) is kept out of the terminal and shown
  only when the notebook fails.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

from analysis.core import paths

VOLATILE_KEYS = ("start_time", "end_time", "duration", "exception")


def declared_parameters(notebook: str | Path) -> dict[str, str]:
    """Names assigned in the cell tagged ``parameters`` → the source of their default.

    Parameters
    ----------
    notebook : str or Path
        The ``.ipynb`` file.

    Returns
    -------
    dict of str to str
        Each name assigned (plainly or with an annotation) in the parameters cell,
        mapped to the source text of its value (empty for a bare annotation).

    Raises
    ------
    ValueError
        If the notebook does not have exactly one code cell tagged ``parameters``.
    """
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
    """Remove timestamps and durations that papermill and nbclient record.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook; modified in place.

    Returns
    -------
    NotebookNode
        ``nb``, without the :data:`VOLATILE_KEYS` and input/output paths in its
        papermill metadata and without each cell's papermill timings and
        ``execution`` metadata.
    """
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


@contextlib.contextmanager
def _captured_stderr():
    """Send file descriptor 2 (ours and the kernel's, which inherits it) to a temporary file.

    Yields a function that returns what was written so far. The kernel is a
    child process, so redirecting ``sys.stderr`` alone would not catch it.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield lambda: (log.flush(), log.seek(0), log.read().decode("utf-8", "replace"))[-1]
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


#: Kernel and library messages that say nothing about the notebook (shown on failure too, but filtered here).
NOISE = ("Kernel is running over TCP without encryption", "Location 'file://")


def explain(stderr_text: str, limit: int = 40) -> str:
    """The lines of captured stderr worth showing a user, without known noise, last ``limit`` lines.

    Parameters
    ----------
    stderr_text : str
        What the run wrote to standard error.
    limit : int, default 40
        The most lines to keep (the last ones).

    Returns
    -------
    str
        The non-blank lines that contain none of the :data:`NOISE` messages, joined by newlines.
    """
    lines = [ln for ln in stderr_text.splitlines() if ln.strip() and not any(n in ln for n in NOISE)]
    return "\n".join(lines[-limit:])


def render_html(nb: nbformat.NotebookNode) -> str:
    """The executed notebook as a self-contained page: MathJax from ``mathjax/`` beside it, no require.js.

    The exporter's defaults load MathJax and require.js from a public CDN,
    which many readers cannot reach; the page then shows raw TeX.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook.

    Returns
    -------
    str
        The HTML page, with :data:`analysis.build.site.MATHJAX_CONFIG` inserted before
        the exporter's MathJax configuration.
    """
    from nbconvert import HTMLExporter

    from analysis.build import site

    sentinel = "about:blank#no-require-js"
    exporter = HTMLExporter(mathjax_url=site.MATHJAX_URL, require_js_url=sentinel)
    body, _ = exporter.from_notebook_node(nb)
    body = body.replace(f'<script src="{sentinel}"></script>', "")
    return body.replace("<!-- MathJax configuration -->", site.MATHJAX_CONFIG + "\n<!-- MathJax configuration -->", 1)


def run(notebook: str | Path, params_file: str | Path, out_dir: str | Path = paths.EXECUTED,
        html: bool = True) -> Path:
    """Execute one notebook with papermill into ``out_dir``, check its declaration and record its provenance.

    The notebook gets exactly the parameters its ``parameters`` cell declares,
    taken from ``params_file``. It runs into a temporary file with
    ``JCOUNTY_STAGE`` set (so the writers refuse undeclared files); afterwards
    :func:`analysis.build.stages.check_run` must find no problem, the provenance
    record goes to ``build/provenance/<stage>.json``, volatile metadata are
    stripped, and the HTML page and the MathJax copy are written beside it. A
    failed run leaves ``<name>.failed.ipynb`` and never a current-looking copy.

    Parameters
    ----------
    notebook : str or Path
        The notebook under ``notebooks/``; its stem must name a stage of ``stages.toml``.
    params_file : str or Path
        The resolved parameters (YAML).
    out_dir : str or Path, default ``paths.EXECUTED``
        Where the executed copy goes.
    html : bool, default True
        Whether to render the HTML page.

    Returns
    -------
    Path
        The executed notebook, ``out_dir/<name>.ipynb``.

    Raises
    ------
    SystemExit
        With a message when the parameters file lacks a declared parameter, the
        notebook has no stage, a cell fails (the message names the cell and the
        error, with the kernel's stderr) or the stage broke its declaration.
    """
    import papermill as pm

    notebook, out_dir = Path(notebook), Path(out_dir)
    params = yaml.safe_load(Path(params_file).read_text(encoding="utf-8")) or {}
    declared = declared_parameters(notebook)
    missing = sorted(set(declared) - set(params))
    if missing:
        raise SystemExit(f"error: {notebook} declares parameter(s) {missing} that {params_file} lacks; "
                         "add them to params.yaml")
    passed = {k: params[k] for k in declared}
    from analysis.build import stages as stages_mod

    declarations = stages_mod.load()
    stage = declarations.get(notebook.stem)
    if stage is None:
        raise SystemExit(f"error: {paths.relative(notebook)} has no [stages.{notebook.stem}] in stages.toml; "
                         "declare its inputs and outputs there")
    before = stages_mod.snapshot(paths.ROOT)
    os.environ[stages_mod.STAGE_ENV] = stage.name  # the kernel inherits it: the writers refuse undeclared files
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / notebook.name
    tmp = out_dir / f".{notebook.stem}.running.ipynb"
    env_root = str(paths.ROOT)
    os.environ.setdefault("JCOUNTY_ROOT", env_root)
    os.environ.setdefault("MPLBACKEND", "Agg")
    kernel_said = ""
    try:
        with _captured_stderr() as stderr_so_far:
            try:
                pm.execute_notebook(str(notebook), str(tmp), parameters=passed, cwd=env_root, kernel_name="python3",
                                    progress_bar=False, report_mode=False, log_output=False)
            except BaseException:
                kernel_said = stderr_so_far()
                raise
    except pm.PapermillExecutionError as exc:
        failed = out_dir / f"{notebook.stem}.failed.ipynb"
        if tmp.exists():
            tmp.replace(failed)
        detail = explain(kernel_said)
        raise SystemExit(f"error: {paths.relative(notebook)} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
                         + (f"\n{detail}" if detail else "")
                         + f"\nThe partial run, with the traceback, is in {paths.relative(failed)}") from None
    except Exception:
        if tmp.exists():
            tmp.replace(out_dir / f"{notebook.stem}.failed.ipynb")
        detail = explain(kernel_said)
        if detail:
            print(detail, file=sys.stderr)
        raise
    os.environ.pop(stages_mod.STAGE_ENV, None)
    problems = stages_mod.check_run(stage, before, paths.ROOT, declarations)
    if problems:
        tmp.replace(out_dir / f"{notebook.stem}.failed.ipynb")
        raise SystemExit(f"error: {paths.relative(notebook)} broke its declaration in stages.toml:\n  "
                         + "\n  ".join(problems))
    record = stages_mod.provenance_record(stage, passed, paths.ROOT)
    prov = paths.BUILD / "provenance" / f"{stage.name}.json"
    prov.parent.mkdir(parents=True, exist_ok=True)
    prov.write_text(json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    nb = strip_volatile(nbformat.read(str(tmp), as_version=4))
    nbformat.write(nb, str(tmp))
    if html:
        from analysis.build import site

        (out_dir / f"{notebook.stem}.html").write_text(render_html(nb), encoding="utf-8")
        site.install_mathjax(out_dir)
    tmp.replace(target)
    # a failed run's copy of an earlier attempt would sit beside the current one in the published folder
    (out_dir / f"{notebook.stem}.failed.ipynb").unlink(missing_ok=True)
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m analysis.build.runner NOTEBOOK [--params FILE] [--out DIR] [--no-html]``.

    Parameters
    ----------
    argv : list of str, optional
        The arguments; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        0 after printing one line with the notebook, its run time and the executed
        copy; failures exit through :func:`run`'s ``SystemExit``.
    """
    ap = argparse.ArgumentParser(prog="python -m analysis.build.runner", description=__doc__.splitlines()[0])
    ap.add_argument("notebook")
    ap.add_argument("--params", default=str(paths.BUILD / "params.yaml"))
    ap.add_argument("--out", default=str(paths.EXECUTED))
    ap.add_argument("--no-html", action="store_true")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    target = run(args.notebook, args.params, args.out, html=not args.no_html)
    print(f"notebook {Path(args.notebook).stem:<26} {time.perf_counter() - start:5.1f} s  -> {paths.relative(target)}"
          + ("" if args.no_html else " (+ .html)"), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
