"""LibreOffice as an independent reader of the workbooks sheetsales writes."""

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        if os.environ.get("SHEETSALES_REQUIRE_SHARED"):
            pytest.fail("LibreOffice (soffice) is required but not installed")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return found


def to_csv(files: list[Path], folder: Path) -> Path:
    """Every sheet of every file as CSV (`<stem>-<sheet>.csv`), values as LibreOffice shows them."""
    out = folder / "csv"
    profile = folder / "lo-profile"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,"
                    "true,false,false,-1", "--outdir", str(out), *map(str, files)],
                   check=True, capture_output=True, timeout=300)
    return out


def read_csv(folder: Path, stem: str, sheet: str) -> list[list[str]]:
    path = folder / f"{stem}-{sheet}.csv"
    assert path.exists(), f"LibreOffice wrote no {path.name}; it wrote {sorted(os.listdir(folder))}"
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))
