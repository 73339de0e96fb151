"""Measurement statistics on DataFrames (reliability, EFA, CFA, validity), pinned to R psych and lavaan."""
