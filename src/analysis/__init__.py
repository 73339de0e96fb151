"""Analysis package of the J County budget performance management compendium.

Pure functions, one module per concern (README.md, "What the pipeline does"):
data layer ``codebook``, ``io`` (importers), ``cleaning``; measurement
``reliability``, ``factor``; findings ``descriptives``, ``rootcause``, ``cases``,
``countermeasures``; the simulator ``simulate``; ``survey_results`` (``make
results``); the build ``paths``, ``params``, ``runner``, ``report`` (tables and
values), ``style`` (figures), ``site`` (the executed notebooks' pages),
``paper`` and ``provenance``.
"""

__version__ = "0.1.0"
