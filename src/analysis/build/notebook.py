"""The stage helper a notebook opens in its first code cell after the parameters.

::

    from analysis.build.notebook import stage
    st = stage("03_reliability_validity", globals())

gives the notebook everything its stage declares in ``stages.toml`` and
nothing else: its parameters (taken from the notebook's namespace, so that
papermill's injected values win), the codebook and construct labels, the data
status (simulated or real) and writers that refuse a file the stage does not
declare. A notebook therefore holds narration, calls and their output; the
set-up that every notebook needs lives here once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import yaml

from analysis.build import stages, status, style, writers
from analysis.build.runner import declared_parameters
from analysis.core import paths
from analysis.data.codebook import Codebook, load_codebook
from analysis.exhibits import zh
from analysis.exhibits.format import latex_text
from analysis.exhibits.table import Table, Values


@dataclass
class Stage:
    """An open stage: parameters, codebook, data status and the declared writers.

    Attributes
    ----------
    name : str
        The stage's name in ``stages.toml`` (its notebook's stem).
    declaration : analysis.build.stages.Stage
        What the stage reads and writes.
    params : dict
        The stage's parameters, by name.
    codebook : Codebook or None
        Loaded from the ``codebook`` parameter, when the stage has one.
    simulated : bool or None
        Whether the data are the simulated stand-in (None until known); a
        stage that reads both the survey and the cases is simulated if either is.
    status : dict
        The data-status record of the survey (else of the cases) this stage reads or records.
    statuses : dict
        Kind ("survey", "cases") → its data-status record.
    """

    name: str
    declaration: stages.Stage
    params: dict[str, Any]
    codebook: Codebook | None = None
    simulated: bool | None = None
    status: dict[str, Any] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    _glossary: Any = None

    # ------------------------------------------------------------------ reading
    @property
    def source(self) -> str:
        """The notebook, repository-relative: every table and macro file names it."""
        return self.declaration.notebook

    def labels(self, constructs: Any = None) -> dict[str, str]:
        """Construct → its label in the stage's ``lang`` (all constructs of the codebook by default)."""
        constructs = self.codebook.constructs() if constructs is None else constructs
        return {c: self.codebook.label(c, self.params.get("lang", "en")) for c in constructs}

    def _input(self, name: str) -> Path:
        rel = name if "/" in name else f"data/processed/{name}"
        if rel not in self.declaration.files:
            raise stages.StageError(f"stage {self.name} reads {rel}, which its declaration in stages.toml "
                                    "does not list under inputs.files")
        return paths.ROOT / rel

    def read(self, name: str, **kwargs: Any) -> pd.DataFrame:
        """Read a CSV the stage declares as an input: ``data/processed/<name>``, or a repository-relative path."""
        return pd.read_csv(self._input(name), **kwargs)

    def read_json(self, name: str) -> Any:
        """Read a JSON file the stage declares as an input (as :meth:`read`)."""
        return json.loads(self._input(name).read_text(encoding="utf-8"))

    def truth(self, kind: str = "survey") -> dict | None:
        """The simulator's truth for ``kind`` ("survey" or "cases"), or None on real data.

        The truth (``data/raw/simulation_truth_<kind>.json``, a declared input)
        is read only when the data of that kind are the simulated stand-in, so
        a real survey can never be checked against, or mixed with, a made-up truth.
        """
        record = self.statuses.get(kind, self.status)
        path = self._input(f"data/raw/simulation_truth_{kind}.json")
        if not record.get("simulated", self.simulated) or not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    # ------------------------------------------------------------------ writing
    def _declared(self, kind: str, name: str) -> None:
        kinds = (kind,) if kind != "tables" else ("tables", "tex_only")
        if not any(name in self.declaration.outputs.get(k, ()) for k in kinds):
            raise stages.StageError(f"stage {self.name} does not declare {kind} {name!r} in stages.toml")

    def _table_results_dir(self, name: str) -> Path | None:
        # a LaTeX-only table has no CSV in results/
        return None if name in self.declaration.outputs.get("tex_only", ()) else paths.RESULTS

    def _require_status(self) -> bool:
        if self.simulated is None:
            raise stages.StageError(f"stage {self.name}: record the data status (st.record_status) before "
                                    "writing exhibits, so that each says whether its data are simulated")
        return self.simulated

    def record_status(self, simulated: bool, kind: str = "survey") -> paths.Written:
        """Record whether the data this stage imports are simulated (``data/processed/<kind>_status.json``)."""
        self.simulated = bool(simulated)
        self.status = status.status_record(self.simulated, kind)
        self.statuses[kind] = self.status
        return status.write_status(self.simulated, kind)

    @property
    def glossary(self) -> zh.Glossary:
        """The English → Chinese glossary of the Chinese edition's exhibits (see :mod:`analysis.exhibits.zh`)."""
        if self._glossary is None:
            self._glossary = stage_glossary(self.params.get("codebook"))
        return self._glossary

    def table(self, name: str, table: Table) -> paths.Written:
        """Write ``paper/generated/tab_<name>.tex`` (and ``results/<name>.csv`` unless LaTeX-only).

        The Chinese edition's copy, ``paper/generated/zh/tab_<name>.tex``, has the
        Chinese caption and the header and text cells translated by :attr:`glossary`.
        """
        self._declared("tables", name)
        simulated = self._require_status()
        written = writers.write_table(table.frame, name, generated_dir=paths.GENERATED,
                                      results_dir=self._table_results_dir(name),
                                      caption=bilingual_caption(name, table.caption),
                                      source=self.source, simulated=simulated,
                                      column_format=table.column_format, formatters=table.formatters,
                                      note=table.note, raw=table.raw, escape=table.escape,
                                      font_size=table.font_size)
        g = self.glossary
        before = set(g.missing)
        frame, column_format = zh.drop_english_twins(table.frame, table.column_format, g)
        english = frame
        frame = g.frame(frame)
        frame, column_format = zh.drop_translated_duplicates(frame, english, column_format)
        formatters = {g(str(k)): f for k, f in table.formatters.items()}
        writers.write_table(frame, name, generated_dir=paths.GENERATED_ZH, results_dir=None,
                            caption=table.caption_zh or zh_caption(name, table.caption), source=self.source, simulated=simulated,
                            column_format=column_format, formatters=formatters, note=table.note_zh or table.note,
                            escape=table.escape, font_size=table.font_size, lang="zh")
        _note_missing(paths.GENERATED_ZH / f"tab_{name}.tex", g.missing - before)
        return written

    def placeholder(self, name: str, reason: str, columns: list[str] | None = None) -> paths.Written:
        """Write declared table ``name`` as a comment-only file and an empty CSV (see ``writers.write_placeholder``).

        For a section that does not apply to these data, such as the check
        against the simulated truth on a real survey: the paper prints nothing there.
        """
        self._declared("tables", name)
        writers.write_placeholder(name, generated_dir=paths.GENERATED_ZH, results_dir=None, source=self.source,
                                  reason=reason)
        return writers.write_placeholder(name, generated_dir=paths.GENERATED,
                                         results_dir=self._table_results_dir(name), source=self.source,
                                         reason=reason, columns=columns)

    def skip(self, names: list[str], reason: str) -> None:
        """Write the declared outputs ``names`` of a section that does not apply to this instrument.

        A table becomes a comment-only file (:meth:`placeholder`), a results CSV an
        empty file, a figure a small one that says why it is empty. The paper leaves the
        section out through the switch of :meth:`analysis.data.codebook.Codebook.paper_parts`;
        these files only keep the build's graph whole.

        Parameters
        ----------
        names : list of str
            Declared table, figure or results names of this stage; ``"figure:<name>"``
            names a figure that has the name of a table.
        reason : str
            Why the section does not apply, one line in English.
        """
        out = self.declaration.outputs
        for name in names:
            if name.startswith("figure:"):        # a figure may share its name with a table
                self._skip_figure(name.removeprefix("figure:"), reason)
            elif name in out.get("tables", ()) or name in out.get("tex_only", ()):
                self.placeholder(name, reason)
            elif name in out.get("results", ()):
                self.result(pd.DataFrame(), name)
            elif name in out.get("figures", ()):
                self._skip_figure(name, reason)
            else:
                raise stages.StageError(f"stage {self.name} declares no table, figure or result {name!r}")
        print(f"Not applicable ({reason}): {', '.join(names)} written empty; the paper leaves the section out.")

    def _skip_figure(self, name: str, reason: str) -> None:
        self._declared("figures", name)
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, f"Not applicable 不适用: {reason}", ha="center", va="center", fontsize=7, wrap=True)
        for folder in (paths.FIGURES, paths.FIGURES_ZH):
            style.save(fig, folder / name, simulated=False, subject=f"{writers.NOT_APPLICABLE}: {reason}")
        plt.close(fig)

    def values(self, values: Values | Mapping[str, Any], name: str | None = None) -> None:
        """Write the stage's macros (``values_<name>.tex``) and their unrounded JSON; print how many."""
        declared = self.declaration.outputs.get("values", ())
        name = name or (declared[0] if len(declared) == 1 else None)
        if name is None:
            raise stages.StageError(f"stage {self.name} declares values {list(declared)}: name the one to write")
        self._declared("values", name)
        v = values if isinstance(values, Values) else Values(dict(values))
        written = writers.write_values(v.values, name, generated_dir=paths.GENERATED, results_dir=paths.RESULTS,
                                       source=self.source, digits=v.digits)
        print(f"{len(v.values)} values written to {paths.relative(written)} (unrounded: results/{name}.json)")
        # The Chinese edition's copy: a text value's ``<key>_zh`` twin when the notebook gives one, else the glossary's
        g = self.glossary
        before = set(g.missing)
        def chinese(k: str, x: Any) -> Any:
            if not isinstance(x, str):
                return x
            if k.endswith("_zh"):                    # a twin itself: only the labels it quotes
                return g.embedded(x)
            return g.embedded(v.values[f"{k}_zh"]) if f"{k}_zh" in v.values else g(x)

        zh_values = {k: chinese(k, x) for k, x in v.values.items()}
        missing = sorted(g.missing - before)
        writers.write_values(zh_values, name, generated_dir=paths.GENERATED_ZH, results_dir=None, source=self.source,
                             digits=v.digits, comment="Chinese edition: text values translated (analysis.exhibits.zh)"
                             + (f"; untranslated: {' | '.join(missing)}" if missing else ""))
        if missing:
            print(f"Left in English in the Chinese edition's values: {'; '.join(missing)}")

    def figure(self, fig: plt.Figure, name: str) -> paths.Written:
        """Save ``fig`` as ``figures/<name>.pdf`` and ``.png`` (stamped when simulated) and show it.

        The Chinese edition's copy (``figures/zh/<name>``) is the same figure with
        its texts translated by :attr:`glossary`.
        """
        self._declared("figures", name)
        simulated = self._require_status()
        pdf = style.save(fig, paths.FIGURES / name, simulated=simulated)
        g = self.glossary
        before = set(g.missing)
        zh.translate_figure(fig, g)
        style.save(fig, paths.FIGURES_ZH / name, simulated=False)      # the stamp is there, translated
        if g.missing - before:
            print(f"Left in English in figures/zh/{name}: " + "; ".join(sorted(g.missing - before)))
        return paths.Written(style.show_saved(fig, pdf))

    def processed(self, frame: pd.DataFrame, name: str, **csv_options: Any) -> paths.Written:
        """Write ``data/processed/<name>`` as CSV (LF line ends, no index; ``csv_options`` to ``to_csv``)."""
        self._declared("processed", name)
        return writers.write_csv(frame, paths.PROCESSED / name, **csv_options)

    def result(self, frame: pd.DataFrame, name: str, **csv_options: Any) -> paths.Written:
        """Write ``results/<name>`` as CSV (LF line ends, no index; ``csv_options`` to ``to_csv``)."""
        self._declared("results", name)
        return writers.write_csv(frame, paths.RESULTS / name, **csv_options)


def stage(name: str, namespace: Mapping[str, Any], *, quiet: bool = False) -> Stage:
    """Open stage ``name`` for a notebook.

    Parameters
    ----------
    name : str
        The stage in ``stages.toml``.
    namespace : mapping
        The notebook's ``globals()``: the stage's parameters are the names its
        ``parameters`` cell assigns, read from here so that the values papermill
        injected are the ones used.
    quiet : bool
        Do not print the data status.

    Returns
    -------
    Stage
        Applies the figure style and creates the output folders on the way.
    """
    declaration = stages.load()[name]
    names = list(declared_parameters(paths.ROOT / declaration.notebook))
    missing = [n for n in names if n not in namespace]
    if missing:
        raise stages.StageError(f"stage {name}: run the parameters cell first ({', '.join(missing)} undefined)")
    params = {n: namespace[n] for n in names}
    style.apply()
    paths.ensure_output_dirs()
    st = Stage(name=name, declaration=declaration, params=params)
    if params.get("codebook"):
        st.codebook = load_codebook(paths.ROOT / params["codebook"])
    for kind, file in status.STATUS_FILES.items():
        if f"data/processed/{file}" in declaration.files:
            st.statuses[kind] = status.read_status(kind)
    if st.statuses:
        st.status = st.statuses.get("survey", next(iter(st.statuses.values())))
        st.simulated = any(s["simulated"] for s in st.statuses.values())
        if not quiet:
            for kind, record in st.statuses.items():
                print(f"Data ({kind}):" if len(st.statuses) > 1 else "Data:", record["sentence_en"])
    return st


#: The Chinese captions of the tables whose own caption is English only.
CAPTIONS_ZH = paths.ROOT / "src" / "analysis" / "exhibits" / "captions_zh.yaml"


def stage_glossary(codebook: str | None = None) -> zh.Glossary:
    """The glossary of a stage: its codebook's, the case schema's and the countermeasures' pairs, the indicator tree.

    Parameters
    ----------
    codebook : str, optional
        The stage's ``codebook`` parameter (repository-relative); default the build's
        (``build/params.yaml``), else the shipped one.

    Returns
    -------
    Glossary
    """
    sources = []
    if not codebook:                                     # a stage without the parameter: the build's codebook
        resolved = paths.BUILD / "params.yaml"
        codebook = (yaml.safe_load(resolved.read_text(encoding="utf-8")) or {}).get("codebook") if resolved.exists() \
            else None
    files = [paths.ROOT / codebook] if codebook else [paths.CODEBOOK]
    files += [paths.ROOT / "src" / "analysis" / "data" / "case_schema.yaml",
              paths.ROOT / "src" / "analysis" / "findings" / "countermeasures.yaml"]
    for f in files:
        if f.is_file():
            sources.append(yaml.safe_load(f.read_text(encoding="utf-8")))
    extra: dict[str, str] = {}
    tree = paths.CASE_WEIGHTS
    if tree.is_file():
        frame = pd.read_csv(tree, dtype=str, keep_default_na=False)
        for level in ("l1", "l2", "l3"):
            if {level, f"{level}_en"} <= set(frame.columns):
                extra.update(dict(zip(frame[f"{level}_en"], frame[level])))
    # A construct the codebook labels in English only (a user's instrument) keeps its English name in the
    # Chinese text; as a known name it lets a list of such names take Chinese punctuation ("A、B和C").
    spec = sources[0] if sources and files[0].is_file() else {}
    for c in (spec.get("constructs") or []) if isinstance(spec, dict) else []:
        label = c.get("label") if isinstance(c, dict) else None
        if isinstance(label, dict) and isinstance(label.get("en"), str) and not label.get("zh"):
            extra.setdefault(label["en"].strip(), label["en"].strip())
    return zh.glossary(sources, extra)


def zh_caption(name: str, caption: str, captions_file: Path = CAPTIONS_ZH) -> str:
    """The Chinese edition's caption of table ``name``: its entry in ``captions_zh.yaml``, else ``caption``.

    Parameters
    ----------
    name : str
        The table's declared name.
    caption : str
        The caption the notebook gives (LaTeX).
    captions_file : Path
        The YAML map of table name to Chinese caption.

    Returns
    -------
    str
    """
    entry = yaml.safe_load(captions_file.read_text(encoding="utf-8")).get(name)
    return latex_text(entry) if entry else caption


def _note_missing(tex: Path, missing: set[str]) -> None:
    """Append a comment listing the texts left in English to a Chinese exhibit's file, and print them."""
    if missing:
        listed = " | ".join(sorted(missing)).replace("\n", " ")
        with tex.open("a", encoding="utf-8") as fh:
            fh.write(f"% untranslated: {listed}\n")
        print(f"Left in English in {paths.relative(tex)}: {'; '.join(sorted(missing))}")


def bilingual_caption(name: str, caption: str, captions_file: Path = CAPTIONS_ZH) -> str:
    """``caption`` with its Chinese caption from ``captions_zh.yaml`` appended, unless it has Chinese already.

    Parameters
    ----------
    name : str
        The table's declared name (``tab_<name>.tex``).
    caption : str
        The English caption (LaTeX).
    captions_file : Path
        The YAML map of table name to Chinese caption.

    Returns
    -------
    str

    Notes
    -----
    A table without an entry keeps its caption (a new stage needs only its notebook and its
    declaration); tests/test_build.py fails when a table of the shipped paper is English only.
    """
    if re.search(r"[\u4e00-\u9fff]", caption):
        return caption
    zh = yaml.safe_load(captions_file.read_text(encoding="utf-8")).get(name)
    return f"{caption} {latex_text(zh)}" if zh else caption
