"""The registry a reviewer follows from a number in the PDF back to the code and data that made it.

Written by the build after the notebooks (``python -m analysis.build.registry``)
from what the stages declared and recorded, never from the paper's text:

* ``stages.toml``: which stage writes which figure, table and values file;
* ``build/provenance/<stage>.json`` (the runner's record of each run): the
  parameters and the SHA-256 of every input the stage read;
* ``build/params/<stage>.yaml``: the parameter values of the run;
* ``results/<values>.json``: every macro's key and unrounded value.

Outputs: ``paper/generated/registry.json`` (machine-readable, one entry per
figure, table and macro) and the appendix ``appendix_registry.tex`` in both
editions. In the PDF each generated number is a link (``\\reglink``, written by
:func:`analysis.build.writers.write_values`) to its row here, and each number of a
table or caption to its table's row (``\\regcell``): a reader clicks a number and
lands on the stage, notebook, file and key that hold it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from analysis.core import paths
from analysis.exhibits.format import macro_name

_TEXT = {
    "en": {"section": "Registry of exhibits and generated numbers", "stages": "Stages: notebook, parameters and inputs",
           "exhibits": "Exhibits: every figure and table", "numbers": "Generated numbers: macro, value, stage, file and key",
           "intro": ("Every number the text prints is a link to its row below, every number of a table or its "
                     "caption a link to its table's row: the row names the stage that wrote it (a stage is named "
                     "after its notebook), the results file and the key that hold the unrounded value. The stages' parameters and the "
                     "SHA-256 of every input they read (the first twelve hexadecimal digits) come from the "
                     "build's own records (\\texttt{build/provenance/}); the same registry is written as "
                     "\\texttt{paper/\\allowbreak generated/\\allowbreak registry.json}."),
           "h_stage": "Stage & Parameters & Inputs (SHA-256)", "h_exhibit": "Exhibit & Stage & File",
           "h_number": "Macro & Value & Stage & File and key", "figure": "Figure", "table": "Table",
           "cells": "cells: same row and column"},
    "zh": {"section": "图表与生成数值登记表", "stages": "分析阶段：笔记本、参数与输入", "exhibits": "图表：全部图与表",
           "numbers": "生成数值：宏、数值、阶段、文件与键",
           "intro": ("正文中每个数值都链接到下表中的对应行，表格及其标题中的数值链接到该表所在的行：每行列出写出该数值的分析阶段"
                     "（分析阶段以其笔记本命名），以及保存未经舍入数值的结果文件与键。各阶段的参数及其读取的每个输入文件的SHA-256"
                     "（前十二位十六进制数字）取自构建过程自身的记录（\\texttt{build/\\allowbreak provenance/}）；同一登记表亦写入"
                     "\\texttt{paper/\\allowbreak generated/\\allowbreak registry.json}。"),
           "h_stage": "阶段 & 参数 & 输入（SHA-256）", "h_exhibit": "图表 & 阶段 & 文件",
           "h_number": "宏 & 数值 & 阶段 & 文件与键", "figure": "图", "table": "表", "cells": "单元格：同一行列"},
}


def build(stages: dict, root: Path = paths.ROOT) -> dict[str, Any]:
    """The registry of this build.

    Parameters
    ----------
    stages : dict
        :func:`analysis.build.stages.load`.
    root : Path
        The project root holding ``build/``, ``results/``.

    Returns
    -------
    dict
        ``stages`` (name → notebook, parameters, inputs with SHA-256), ``exhibits`` (figures and
        tables with stage, notebook, files and anchor, and ``not_applicable`` with the reason for
        one written empty: :func:`analysis.build.paper.not_applicable`) and ``numbers`` (macro → stage, notebook,
        results file, key, value, anchor).

    Raises
    ------
    FileNotFoundError
        If a stage's results file or provenance record is missing (run its notebook first).
    """
    out: dict[str, Any] = {"stages": {}, "exhibits": [], "numbers": {}}
    for s in stages.values():
        record_file = root / "build" / "provenance" / f"{s.name}.json"
        record = json.loads(record_file.read_text(encoding="utf-8"))
        params_file = root / "build" / "params" / f"{s.name}.yaml"
        params = yaml.safe_load(params_file.read_text(encoding="utf-8")) if params_file.exists() else {}
        out["stages"][s.name] = {"notebook": s.notebook, "parameters": params or {},
                                 "inputs": dict(sorted(record.get("inputs", {}).items()))}
        for fig in s.outputs.get("figures", ()):
            out["exhibits"].append({"kind": "figure", "name": fig, "stage": s.name, "notebook": s.notebook,
                                    "files": [f"figures/{fig}.pdf", f"figures/zh/{fig}.pdf"], "anchor": f"reg:fig:{fig}"})
        for tab in s.outputs.get("tables", ()) + s.outputs.get("tex_only", ()):
            data = f"results/{tab}.csv" if tab in s.outputs.get("tables", ()) else None
            out["exhibits"].append({"kind": "table", "name": tab, "stage": s.name, "notebook": s.notebook,
                                    "files": [f for f in (data, f"paper/generated/tab_{tab}.tex") if f],
                                    "anchor": f"reg:tab:{tab}"})
        for val in s.outputs.get("values", ()):
            payload = json.loads((root / "results" / f"{val}.json").read_text(encoding="utf-8"))
            for key, value in payload["values"].items():
                macro = macro_name(key)
                out["numbers"][macro] = {"stage": s.name, "notebook": s.notebook, "file": f"results/{val}.json",
                                         "key": key, "value": value, "tex": f"paper/generated/values_{val}.tex",
                                         "anchor": f"reg:{macro}"}
    from analysis.build.paper import not_applicable

    skipped = not_applicable(stages, root)
    for e in out["exhibits"]:                # written empty: the section does not apply to these data
        reason = skipped.get(f"{'fig' if e['kind'] == 'figure' else 'tab'}:{e['name']}")
        if reason is not None:
            e["not_applicable"] = reason
    return out


def linked_macros(generated: Path) -> list[str]:
    r"""The macros the values files link (``\reglink{name}`` lines), in file order.

    Parameters
    ----------
    generated : Path
        ``paper/generated``.

    Returns
    -------
    list of str
    """
    import re

    names: list[str] = []
    for f in sorted(generated.glob("values_*.tex")):
        names += re.findall(r"^\\reglink\{([A-Za-z]+)\}%$", f.read_text(encoding="utf-8"), flags=re.M)
    return names


def _plain(value: Any) -> str:
    """A parameter as params.yaml writes it: a group as ``{member: value, ...}``, without Python's quotes."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)


def _esc(text: Any) -> str:
    from analysis.build.paper import breakable
    from analysis.exhibits.format import latex_escape

    return breakable(latex_escape(str(text)))


def appendix_tex(registry: dict[str, Any], linked: list[str], lang: str = "en") -> str:
    r"""The registry appendix: the stages and the linked numbers (the exhibits' anchors are in the provenance appendix).

    Parameters
    ----------
    registry : dict
        :func:`build`.
    linked : list of str
        The macros printed as links (:func:`linked_macros`); each gets its anchor row.
    lang : {"en", "zh"}
        The language of the headings.

    Returns
    -------
    str
        LaTeX: a section with two longtables.

    Raises
    ------
    KeyError
        If a linked macro is not in the registry (a values file not written by a declared stage).
    """
    from analysis.build.paper import LONGTABLE_HEAD

    t = _TEXT[lang]
    head = LONGTABLE_HEAD
    stage_rows = []
    for name, s in registry["stages"].items():
        params = "; ".join(f"{k} = {_plain(v)}" for k, v in s["parameters"].items())
        inputs = "; ".join(f"{f} {h[:12]}" for f, h in s["inputs"].items())
        stage_rows.append(f"\\texttt{{{_esc(name)}}} & {_esc(params)} & {_esc(inputs)} \\\\")
    number_rows = []
    for macro in linked:
        n = registry["numbers"][macro]
        number_rows.append(f"\\hypertarget{{{n['anchor']}}}{{\\texttt{{\\textbackslash {macro}}}}} & "
                           f"{{\\reglinksfalse\\csname {macro}\\endcsname}} & \\texttt{{{_esc(n['stage'])}}} & "
                           f"{_esc(n['file'])}: \\texttt{{{_esc(n['key'])}}} \\\\")
    col = "\\raggedright\\arraybackslash"
    return "\n".join([
        "% Generated by python -m analysis.build.registry. Do not edit.",
        f"\\section{{{t['section']}}}\\label{{sec:registry}}", t["intro"],
        "\\begingroup\\scriptsize",
        f"\\begin{{longtable}}{{@{{}}>{{{col}}}p{{0.2\\linewidth}} >{{{col}}}p{{0.42\\linewidth}} "
        f">{{{col}}}p{{0.33\\linewidth}}@{{}}}}",
        f"\\caption{{{t['stages']}}}\\label{{tab:registry_stages}}\\\\", head.format(t["h_stage"]) + "\n".join(stage_rows),
        "\\end{longtable}",
        f"\\begin{{longtable}}{{@{{}}>{{{col}}}p{{0.25\\linewidth}} >{{{col}}}p{{0.17\\linewidth}} "
        f">{{{col}}}p{{0.2\\linewidth}} >{{{col}}}p{{0.3\\linewidth}}@{{}}}}",
        f"\\caption{{{t['numbers']}}}\\label{{tab:registry_numbers}}\\\\",
        head.format(t["h_number"]) + "\n".join(number_rows), "\\end{longtable}",
        "\\endgroup", ""])


def write(out_dir: Path = paths.GENERATED, root: Path = paths.ROOT) -> None:
    """Write ``registry.json`` and both editions' ``appendix_registry.tex``.

    Parameters
    ----------
    out_dir : Path
        ``paper/generated`` (the Chinese appendix goes to its ``zh/``).
    root : Path
        The project root.

    Returns
    -------
    None
    """
    from analysis.build import stages as stages_module

    registry = build(stages_module.load(root / "stages.toml"), root)
    linked = linked_macros(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "registry.json").write_text(json.dumps(registry, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                           encoding="utf-8")
    (out_dir / "appendix_registry.tex").write_text(appendix_tex(registry, linked, "en"), encoding="utf-8")
    (out_dir / "zh").mkdir(parents=True, exist_ok=True)
    (out_dir / "zh" / "appendix_registry.tex").write_text(appendix_tex(registry, linked, "zh"), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m analysis.build.registry [OUT_DIR]``.

    Parameters
    ----------
    argv : list of str, optional
        The arguments; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        0.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    write(Path(argv[0]) if argv else paths.GENERATED)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
