"""Analysis package of the J County budget performance management compendium.

The folders follow the flow of the data, and imports run one way only, from a
layer to the layers listed before it (``tests/test_layers.py`` checks this):

``core``
    Facts every layer needs: where files live (``paths``), the analytic
    choices of ``params.yaml`` (``params``), hashes and the commit
    (``provenance``), and the input checks shared by every public function
    (``checks``).
``data``
    The data layer, the only one that knows files and formats: the codebook
    (the single home of the questionnaire's wording), the importers of survey
    exports, and cleaning.
``measure``
    Measurement statistics on DataFrames: reliability, exploratory and
    confirmatory factor analysis, validity. Pinned to R psych and lavaan.
``simulate``
    The documented, seeded model of the stand-in data and its export writers.
``findings``
    What the study reports: descriptives, root causes, the evaluated cases,
    the countermeasures; they use ``measure``.
``exhibits``
    The paper's tables and numbers built from the findings: pure functions
    that return a :class:`~analysis.exhibits.table.Table` or a
    :class:`~analysis.exhibits.table.Values`, and the number formats.
``sweep``
    Many independent seeded reruns of the analyses: the engine that runs
    them serially, on a local Dask cluster, on an existing scheduler or on
    Slurm, with seeds derived from the master seed and each task's id so
    that the results do not depend on the number of workers (``engine``);
    the robustness sweep over the analytic choices (``robustness``) and the
    Monte Carlo recovery study on simulated samples (``recovery``). They
    rerun the functions of the ``measure``, ``findings`` and ``simulate``
    layers.
``build``
    The machinery around the notebooks: the stage declarations, the stage
    helper a notebook opens (``notebook.stage``), the writers, figure style,
    the runner, the site of executed notebooks, the paper's checks and
    ``make results``.
"""

__version__ = "0.1.0"

#: The layers in import order: a module may import only from its own layer and the ones before it.
LAYERS = ("core", "data", "measure", "simulate", "findings", "exhibits", "sweep", "build")
