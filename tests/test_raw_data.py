"""data/raw: the shipped files are exactly what `make simulate` writes, and their checksums hold."""

import hashlib
import shutil
import subprocess
import sys

from analysis.core import paths, provenance


def _manifest(folder):
    return dict(line.split("  ", 1)[::-1] for line in (folder / "SHA256SUMS").read_text().splitlines())


def test_checksums_hold():
    for name, digest in _manifest(paths.RAW).items():
        assert hashlib.sha256((paths.RAW / name).read_bytes()).hexdigest() == digest, name


def test_make_simulate_regenerates_raw_byte_for_byte(tmp_path):
    out = tmp_path / "raw"
    out.mkdir()
    shutil.copy2(paths.RAW / "codebook.yaml", out / "codebook.yaml")
    shutil.copy2(paths.RAW / "README.md", out / "README.md")
    subprocess.run([sys.executable, "-m", "analysis.simulate", "--out", str(out)], check=True, capture_output=True)
    shipped, again = _manifest(paths.RAW), _manifest(out)
    assert shipped == again


def test_shipped_data_are_recognised_as_simulated_and_others_are_not(tmp_path):
    assert provenance.is_simulated(paths.SURVEY_TEXT, paths.SURVEY_NUMBER)
    other = tmp_path / "real.xlsx"
    other.write_bytes(paths.SURVEY_TEXT.read_bytes() + b"\0")
    assert not provenance.is_simulated(other, paths.SURVEY_NUMBER)


def test_ips_only_from_documentation_ranges():
    import pandas as pd

    ips = pd.read_excel(paths.SURVEY_TEXT, dtype=str)["来自IP"].str.replace(r"\(.*\)$", "", regex=True)
    assert ips.str.match(r"^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}$").all()
