"""Analysis package of the J County budget performance management compendium.

Pure functions, one module per concern (see README.md, "Layout"):
codebook, io (importers), cleaning, scoring, psychometrics, descriptives,
rootcause, cases, simulate, report (tables, values, provenance), style (figures),
paths, params and runner (the notebook build).
"""

__version__ = "0.1.0"
