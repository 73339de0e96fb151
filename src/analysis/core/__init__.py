"""Facts every layer needs: paths, parameters (params.yaml), provenance hashes, shared input checks."""
