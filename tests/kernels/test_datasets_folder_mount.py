"""Where kernels find the operator's Keras datasets (PLAYGROUND_DATASETS_DIR), with the sandbox
and without (fast: the launch is only built; test_keras_datasets_provided.py runs real kernels)."""

from __future__ import annotations

from kernels import sandbox
from kernels.sandbox import SandboxSettings


def test_the_sandbox_binds_the_folder_read_only_at_a_fixed_place(tmp_path):
    settings = SandboxSettings(datasets_dir=str(tmp_path))
    argv = sandbox.fork_server_launch(3, tmp_path / "work", settings).argv
    at = argv.index(str(tmp_path))
    assert argv[at - 1 : at + 2] == ["--ro-bind", str(tmp_path), sandbox.SANDBOX_DATASETS]
    assert sandbox.kernel_config(settings, "/scratch", 1, 200000)["keras_datasets"] == sandbox.SANDBOX_DATASETS


def test_without_the_setting_nothing_is_bound_and_kernels_are_told_so(tmp_path):
    argv = sandbox.fork_server_launch(3, tmp_path, SandboxSettings()).argv
    assert sandbox.SANDBOX_DATASETS not in argv
    assert sandbox.kernel_config(SandboxSettings(), "/scratch", 1, 200000)["keras_datasets"] is None


def test_unconfined_keras_finds_the_folder_through_its_home(tmp_path):
    folder, work = tmp_path / "datasets", tmp_path / "work"
    folder.mkdir()
    work.mkdir()
    settings = SandboxSettings(enabled=False, datasets_dir=str(folder))
    launch = sandbox.fork_server_launch(3, work, settings)
    assert launch.env["HOME"] == str(work)
    assert (work / ".keras" / "datasets").resolve() == folder.resolve()
    assert sandbox.kernel_config(settings, str(work), 1, 0)["keras_datasets"] == str(folder)
