"""`make gpu-check` (kernels/gpucheck): its verdicts on fabricated measurements, nvidia-smi's
output read back, the command's exits, and its steps run with real kernels on the CPU against
a simulated inventory, where every GPU claim must fail and every CPU figure be measured."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from kernels import gpu, gpucheck
from kernels.gpu import GpuInventory, _parse_simulated
from kernels.gpucheck import smi, verdict
from kernels.gpucheck.verdict import FAIL, PASS, SKIP, Check
from kernels.management.commands import gpucheck as command
from tests.kernels.test_gpu import NVIDIA_SMI_REPORT

# --- verdicts on fabricated measurements ------------------------------------------------------


def isolation_row(**changes) -> dict:
    row = {
        "session": "s0",
        "device": 0,
        "expected_nodes": ["/dev/nvidia0", "/dev/nvidiactl"],
        "nodes": ["/dev/nvidia0", "/dev/nvidiactl"],
        "expected_visible": "GPU-aaaa",
        "visible": "GPU-aaaa",
        "tf_gpus": ["/device:GPU:0"],
        "status": {"device": "GPU", "gpu": {"index": 0, "memory_limit_mb": 2048}, "device_note": None},
    }
    return row | changes


def test_a_kernel_with_its_own_nodes_and_one_gpu_passes_isolation():
    assert verdict.judge_isolation([isolation_row(), isolation_row(session="s1")]).outcome == PASS


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"nodes": ["/dev/nvidia0", "/dev/nvidia1", "/dev/nvidiactl"]}, "sees nodes not its own: /dev/nvidia1"),
        ({"nodes": ["/dev/nvidiactl"]}, "lacks its nodes: /dev/nvidia0"),
        ({"tf_gpus": []}, "TensorFlow lists 0 GPUs"),
        ({"tf_gpus": ["/device:GPU:0", "/device:GPU:1"]}, "TensorFlow lists 2 GPUs"),
        ({"visible": "0,1"}, "CUDA_VISIBLE_DEVICES='0,1'"),
        ({"status": {"device": "CPU", "device_note": "no GPU is visible"}}, "status says CPU"),
    ],
)
def test_a_kernel_seeing_another_gpu_or_not_exactly_one_fails_isolation(changes, said):
    check = verdict.judge_isolation([isolation_row(), isolation_row(session="s1", **changes)])
    assert check.outcome == FAIL and said in check.detail and "s1" in check.detail


def test_no_kernel_on_a_slice_fails_isolation():
    assert verdict.judge_isolation([]).outcome == FAIL


def slice_figures(**changes) -> dict:
    figures = {
        "allocated_mb": 3072,
        "slice_mb": 2048,
        "error": {"ename": "ResourceExhaustedError", "evalue": "OOM when allocating tensor with shape[805306368]"},
        "allocated_on": None,
        "hog_alive": True,
        "neighbour_same_device": True,
        "neighbour_before": 131072.5,
        "neighbour_after": 131072.5,
        "neighbour_device": "/job:localhost/replica:0/task:0/device:GPU:0",
    }
    return figures | changes


def test_out_of_memory_in_the_hogs_own_run_with_its_neighbour_intact_passes():
    check = verdict.judge_slice(slice_figures())
    assert check.outcome == PASS and "same GPU" in check.detail


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"error": None, "allocated_on": "GPU:0"}, "3072 MB were allocated past a 2048 MB slice"),
        ({"error": {"ename": "KernelDied", "evalue": "the kernel ran out of memory"}}, "failed otherwise: KernelDied"),
        ({"hog_alive": False}, "did not run on"),
        ({"neighbour_after": 0.0}, "neighbour's tensor changed"),
    ],
)
def test_an_allocation_past_the_slice_that_is_not_a_plain_oom_in_its_own_kernel_fails(changes, said):
    check = verdict.judge_slice(slice_figures(**changes))
    assert check.outcome == FAIL and said in check.detail


def work(device: str, fit_s: float = 4.0, **changes) -> dict:
    figures = {
        "fit_s": fit_s,
        "fit_output_device": f"{device}:0",
        "op_device": f"{device}:0",
        "round_trip_ms": 3.5,
        "error": None,
        "status": {"device": device, "gpu": None, "device_note": None},
    }
    return figures | changes


def test_work_on_the_gpu_timed_against_the_cpu_passes_and_shows_both_timings():
    check = verdict.judge_work(work("GPU", fit_s=2.0), work("CPU", fit_s=6.0))
    assert check.outcome == PASS and "2.00 s (CPU 6.00 s)" in check.detail


@pytest.mark.parametrize(
    ("gpu", "cpu", "said"),
    [
        (work("CPU"), work("CPU"), "fit output device is CPU:0, not a GPU"),
        (work("GPU", op_device="CPU:0"), work("CPU"), "op device is CPU:0"),
        (work("GPU", fit_s=31.0), work("CPU", fit_s=6.0), "over 5x the CPU's"),
        (work("GPU", error="ResourceExhaustedError: OOM"), work("CPU"), "work failed"),
        (work("GPU"), None, "no CPU kernel's timings"),
    ],
)
def test_work_off_the_gpu_or_far_slower_than_the_cpu_fails(gpu, cpu, said):
    check = verdict.judge_work(gpu, cpu)
    assert check.outcome == FAIL and said in check.detail


def test_a_full_card_and_one_more_on_the_cpu_saying_why_passes_the_fill():
    overflow = {"device": "CPU", "gpu": None, "device_note": "every GPU slice (2048 MB each) is in use, so ..."}
    check = verdict.judge_fill({"slots": 6, "with_slice": 6, "overflow": overflow})
    assert check.outcome == PASS and "in use" in check.detail


@pytest.mark.parametrize(
    ("with_slice", "overflow", "said"),
    [
        (5, {"device": "CPU", "device_note": "every GPU slice (2048 MB each) is in use"}, "5 kernels got slices"),
        (6, None, "none was sent to the CPU"),
        (6, {"device": "CPU", "device_note": ""}, "the kernel past the slots shows CPU"),
    ],
)
def test_fewer_kernels_than_slots_or_a_silent_overflow_fails_the_fill(with_slice, overflow, said):
    check = verdict.judge_fill({"slots": 6, "with_slice": with_slice, "overflow": overflow})
    assert check.outcome == FAIL and said in check.detail


def test_mig_placement_is_skipped_without_mig_and_fails_when_an_instance_holds_two_kernels():
    assert verdict.judge_mig([{"device": 0, "exclusive": False}]).outcome == SKIP
    one_each = [{"device": 1, "exclusive": True}, {"device": 2, "exclusive": True}]
    assert verdict.judge_mig(one_each).outcome == PASS
    check = verdict.judge_mig([*one_each, {"device": 2, "exclusive": True}])
    assert check.outcome == FAIL and "MIG instance 2 holds 2 kernels" in check.detail


def restart_figures(**changes) -> dict:
    figures = {
        "device": 0,
        "old_pid": 4242,
        "old_pid_seen_before": True,
        "old_pid_seen_after": False,
        "used_before_mb": 9000,
        "used_after_mb": 6400,
        "new_kernel_state": "idle",
    }
    return figures | changes


def test_memory_back_after_restart_and_end_passes():
    assert verdict.judge_memory(restart_figures(), [500, 3], [520, 3]).outcome == PASS


@pytest.mark.parametrize(
    ("restart", "ended", "said"),
    [
        (restart_figures(old_pid_seen_after=True), [520, 3], "pid 4242) still holds GPU memory"),
        (restart_figures(used_after_mb=11700), [520, 3], "grew on restart (9000 -> 11700 MB)"),
        (restart_figures(), [2600, 3], "device 0 holds 2600 MB after the check, 500 MB before"),
    ],
)
def test_memory_kept_by_an_ended_kernel_fails(restart, ended, said):
    check = verdict.judge_memory(restart, [500, 3], ended)
    assert check.outcome == FAIL and said in check.detail


def test_memory_unmeasured_or_no_restart_fails_rather_than_passes():
    assert verdict.judge_memory(restart_figures(), None, None).outcome == FAIL
    assert verdict.judge_memory(None, [500], [500]).detail == "no kernel on a slice was restarted"


async def test_a_step_that_breaks_is_a_failure_in_the_report_and_the_check_still_ends(monkeypatch):
    async def broken(host, most, opened):
        raise RuntimeError("the fork server is gone")

    host = SimpleNamespace(pool=SimpleNamespace(gpus=GpuInventory([], 64)), limits=SimpleNamespace(capacity=8))
    monkeypatch.setattr(gpucheck.steps, "fill", broken)
    ended = []

    async def stop_host():
        ended.append(True)

    checks, figures, _ = await gpucheck.run_check(host, smi=None, baseline=None, stop_host=stop_host)
    assert Check("runs to the end", FAIL, "RuntimeError: the fork server is gone") in checks
    assert ended == [True] and verdict.failed(checks)
    assert figures["inventory"] == {"slice_mb": 64, "devices": []}


# --- nvidia-smi's output --------------------------------------------------------------------

REPORT = NVIDIA_SMI_REPORT.replace(
    "<nvidia_smi_log>",
    "<nvidia_smi_log><driver_version>550.54.15</driver_version><cuda_version>12.4</cuda_version>",
).replace("<uuid>GPU-aaaa</uuid>", "<product_name>NVIDIA A10</product_name><uuid>GPU-aaaa</uuid>")


def test_used_memory_is_read_per_device_in_the_inventorys_order_mig_instances_included():
    assert smi.used_mb(REPORT) == [384, 13, 3]  # the A10, then the A100's two MIG instances


def test_the_cards_driver_and_cuda_versions_are_read_for_the_report():
    facts = smi.facts(REPORT)
    assert (facts["driver_version"], facts["cuda_version"]) == ("550.54.15", "12.4")
    assert [(c["name"], c["mig"], c["memory_total_mb"]) for c in facts["cards"]] == [
        ("NVIDIA A10", False, 16384),
        ("", True, 40960),
    ]


def test_processes_on_the_gpu_are_read_with_their_memory():
    listing = "4242, 2650\n4243, [N/A]\n4242, 10\nNo running processes found\n"
    assert smi.compute_pids(listing) == {4242: 2660, 4243: 0}


# --- the report and the command -------------------------------------------------------------

CHECKS = [Check("a", PASS, "fine"), Check("b", SKIP, "no MIG"), Check("c", FAIL, "broken")]


def test_the_report_holds_every_verdict_figure_and_version_and_fails_on_any_failure(tmp_path):
    facts = smi.facts(REPORT)
    content = verdict.report(CHECKS, facts, {"fill": {"slots": 2}}, 12.34)
    verdict.write(tmp_path / "r.json", content)
    read = json.loads((tmp_path / "r.json").read_text())
    assert read["ok"] is False and read["seconds"] == 12.3
    assert [c["outcome"] for c in read["checks"]] == [PASS, SKIP, FAIL]
    assert read["gpu"]["driver_version"] == "550.54.15" and read["figures"] == {"fill": {"slots": 2}}
    assert verdict.report(CHECKS[:2], facts, {}, 1.0)["ok"] is True  # a skip is no failure


def test_the_summary_names_the_card_each_check_and_the_report():
    text = verdict.summary(CHECKS, smi.facts(REPORT), Path("gpu-check.json"), 61)
    assert text.splitlines()[0] == "GPU check: NVIDIA A10, ; driver 550.54.15, CUDA 12.4"
    assert "  FAIL  c: broken" in text and "GPU check FAILED in 61 s; report in gpu-check.json" in text


def test_without_a_gpu_the_command_says_so_in_one_line_and_exits_0(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(smi.Smi, "answers", lambda self: False)
    call_command("gpucheck", report=str(tmp_path / "r.json"))  # no CommandError: exit 0
    assert capsys.readouterr().out == command.NO_GPU + "\n"
    assert not (tmp_path / "r.json").exists()


def test_with_a_gpu_a_failed_check_exits_non_zero_after_the_summary_and_report(monkeypatch, tmp_path, capsys):
    async def fabricated(self, smi, budget):
        return CHECKS, {"fill": {"slots": 1}}, smi_facts

    smi_facts = smi.facts(REPORT)
    monkeypatch.setattr(smi.Smi, "answers", lambda self: True)
    monkeypatch.setattr(command.Command, "_check", fabricated)
    with pytest.raises(CommandError, match="GPU check failed"):
        call_command("gpucheck", report=str(tmp_path / "r.json"))
    assert "FAIL  c: broken" in capsys.readouterr().out
    assert json.loads((tmp_path / "r.json").read_text())["ok"] is False


# --- the steps, with real kernels on the CPU ------------------------------------------------


@pytest.fixture(scope="module")
async def cpu_check(kernel_host):
    """The whole check against the test host, its inventory one simulated card with two slices
    of 64 MB (kernels on them see no GPU: this machine has none), its pool one kernel."""
    pool = kernel_host.pool
    if pool._refill is not None:
        await pool._refill
    original_gpus, original_limits, ready = pool.gpus, pool._limits, list(pool._ready)
    pool._ready.clear()  # pooled kernels were forked before this inventory existed
    pool.gpus = GpuInventory(_parse_simulated("1x1400"), slice_mb=64)  # 1400 // (64 + 600): two slots
    pool._limits = dataclasses.replace(original_limits, pool_size=1, pool_max_size=1)
    pool._schedule_refill()  # its one ready kernel, as a host starting with this inventory has
    try:
        checks, figures, facts = await gpucheck.run_check(kernel_host, smi=None, baseline=None, budget_s=240)
        yield {c.name: c for c in checks}, figures, facts, [len(d.holders) for d in pool.gpus.devices]
    finally:
        if pool._refill is not None:
            await pool._refill
        made_here = list(pool._ready)
        pool._ready[:] = ready
        pool.gpus, pool._limits = original_gpus, original_limits
        for process in made_here:
            await pool.discard(process, "the GPU check's test is over")


@pytest.mark.slow
def test_on_the_cpu_the_simulated_card_fills_and_the_next_kernel_says_every_slice_is_in_use(cpu_check):
    checks, figures, _, _ = cpu_check
    fill = checks["the card fills, and one more kernel runs on the CPU saying why"]
    assert fill.outcome == PASS, fill.detail
    assert figures["fill"]["with_slice"] == 2 and "in use" in figures["fill"]["overflow"]["device_note"]
    assert [row["device"] for row in figures["placement"]] == [0, 0, None]


@pytest.mark.slow
def test_on_the_cpu_kernels_on_slices_see_no_other_node_but_tensorflow_lists_no_gpu(cpu_check):
    checks, figures, _, _ = cpu_check
    isolation = checks["each kernel sees only its own GPU"]
    assert isolation.outcome == FAIL
    assert isolation.detail.count("TensorFlow lists 0 GPUs, not 1") == 2
    assert "sees nodes" not in isolation.detail  # no /dev/nvidia* here, and none in the kernels
    assert [row["visible"] for row in figures["isolation"]] == ["0", "0"]  # CUDA was told its device
    assert all(row["status"]["device"] == "CPU" for row in figures["isolation"])


@pytest.mark.slow
def test_on_the_cpu_an_allocation_past_the_slice_succeeds_so_the_slice_check_fails_and_the_neighbour_keeps(
    cpu_check,
):
    checks, figures, _, _ = cpu_check
    assert checks["a kernel past its slice gets out-of-memory; its neighbour is intact"].outcome == FAIL
    measured = figures["slice"]
    assert measured["error"] is None and measured["allocated_on"] == "CPU:0" and measured["allocated_mb"] == 96
    assert measured["hog_alive"] and measured["neighbour_same_device"]
    assert measured["neighbour_before"] == measured["neighbour_after"] > 0


@pytest.mark.slow
def test_on_the_cpu_the_fit_and_round_trips_are_timed_in_both_kernels_and_the_gpu_claim_fails(cpu_check):
    checks, figures, _, _ = cpu_check
    check = checks["a Keras fit and a tensor op run on the GPU"]
    assert check.outcome == FAIL and "fit output device is CPU:0" in check.detail
    for side in ("gpu", "cpu"):
        measured = figures["work"][side]
        assert measured["error"] is None and measured["fit_s"] > 0 and measured["round_trip_ms"] > 0
    assert figures["work"]["cpu"]["status"]["device"] == "CPU"


@pytest.mark.slow
def test_on_the_cpu_a_restart_brings_a_new_kernel_and_the_check_ends_every_kernel_it_made(cpu_check, kernel_host):
    checks, figures, _, holders_after = cpu_check
    assert figures["restart"]["new_kernel_state"] == "idle" and figures["restart"]["device"] == 0
    assert checks["memory returns to the GPU on restart and end"].outcome == FAIL  # no nvidia-smi here
    assert checks["MIG instances are placed one per kernel"].outcome == SKIP
    assert not [owner for owner in kernel_host.sessions if owner.startswith("gpucheck-")]
    assert holders_after == [min(1, holders_after[0])]  # at most the pool's one ready kernel
    json.dumps(verdict.report(list(checks.values()), {}, figures, 1.0))  # the report holds every figure


class CardWithoutSlices(smi.Smi):
    """nvidia-smi as a card whose memory is all in use: the command's host finds no slot."""

    def answers(self) -> bool:
        return True

    def report(self) -> str:
        return REPORT

    def used_mb(self) -> list[int]:
        return [500]

    def pids(self) -> dict[int, int]:
        return {}


@pytest.mark.slow
def test_the_command_runs_its_own_host_to_the_end_and_exits_non_zero_when_no_kernel_gets_a_slice(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setattr(command, "Smi", CardWithoutSlices)
    monkeypatch.setattr(gpu, "_query_nvidia_smi", list)  # the host's inventory: no device, even on a GPU machine
    with pytest.raises(CommandError, match="GPU check failed"):
        call_command("gpucheck", report=str(tmp_path / "r.json"), budget=120)
    report = json.loads((tmp_path / "r.json").read_text())
    outcomes = {c["name"]: (c["outcome"], c["detail"]) for c in report["checks"]}
    assert outcomes["each kernel sees only its own GPU"] == (FAIL, "no kernel got a GPU slice")
    fill = outcomes["the card fills, and one more kernel runs on the CPU saying why"]
    assert fill[0] == FAIL and "this server has no GPU" in fill[1]
    assert report["gpu"]["driver_version"] == "550.54.15" and report["figures"]["baseline_used_mb"] == [500]
    assert "GPU check FAILED" in capsys.readouterr().out
