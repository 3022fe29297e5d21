"""Type hints are checked: `make test` runs mypy on every app (pyproject.toml, [tool.mypy]).

This shows the check would catch the slip issue 13 found: gpu.take declared one type of holder
and was called with another, which nothing noticed while hints went unchecked."""

from __future__ import annotations

import sys
from pathlib import Path

from mypy import api

from tests.support import ROOT


def type_errors(code: str, folder: Path) -> str:
    program = folder / "slip.py"
    program.write_text(code)
    # The project's settings apart from its file list and the Django plugin (not needed for this).
    config = folder / "mypy.ini"
    config.write_text("[mypy]\nignore_missing_imports = True\n")
    out, _, _ = api.run(
        ["--config-file", str(config), "--no-incremental", "--python-executable", sys.executable, str(program)]
    )
    return out


def test_a_kernel_holder_of_the_wrong_type_is_a_type_error(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = (
        "from kernels.gpu import GpuInventory\n"
        "def hand_out(inventory: GpuInventory, kernel_number: int) -> None:\n"
        "    inventory.take(kernel_number)\n"
    )
    out = type_errors(code, tmp_path)
    assert 'Argument 1 to "take" of "GpuInventory" has incompatible type "int"; expected "str"' in out


def test_the_right_type_passes(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = (
        "from kernels.gpu import GpuInventory\n"
        "def hand_out(inventory: GpuInventory, kernel_name: str) -> None:\n"
        "    inventory.take(kernel_name)\n"
    )
    assert "Success" in type_errors(code, tmp_path)
