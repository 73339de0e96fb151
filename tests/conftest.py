"""Shared fixtures of the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_WJX = ROOT.parent / "shared" / "fixtures" / "wjx"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def codebook():
    from analysis.codebook import load_codebook

    return load_codebook(ROOT / "data" / "raw" / "codebook.yaml")


@pytest.fixture(scope="session")
def wjx_fixture_dir() -> Path:
    """The real Wenjuanxing export pair beside the checkout; skip where it is absent (a user's clone)."""
    if not (SHARED_WJX / "wjx_800_by_text.xls").exists():
        pytest.skip("../shared/fixtures/wjx is not present beside this checkout")
    return SHARED_WJX
