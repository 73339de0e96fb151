"""The data layer: the codebook, the importers of survey exports, cleaning. The only layer that reads data files."""
