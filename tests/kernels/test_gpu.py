"""The shared-GPU policy, against a simulated device inventory (these machines have no GPU)."""

from __future__ import annotations

import pytest

from kernels.gpu import CONTEXT_OVERHEAD_MB, CONTROL_NODES, GpuInventory, _parse_simulated, parse_inventory
from tests.support import BusClient


def inventory(spec: str, slice_mb: int = 2048) -> GpuInventory:
    return GpuInventory(_parse_simulated(spec), slice_mb)


def test_a_device_takes_as_many_kernels_as_whole_slices_and_contexts_fit():
    gpus = inventory("1x16384", slice_mb=2048)
    assert gpus.free_slots == 16384 // (2048 + CONTEXT_OVERHEAD_MB)


def test_kernels_are_admitted_while_slices_are_free_then_run_on_the_cpu():
    gpus = inventory("1x6000", slice_mb=2048)  # two slices of 2048 + overhead
    assert gpus.take("a") is not None and gpus.take("b") is not None
    assert gpus.take("c") is None
    assert "in use" in gpus.cpu_reason()
    gpus.give_back("a")
    assert gpus.take("c").index == 0


def test_new_kernels_go_to_the_device_with_the_most_free_slots():
    gpus = inventory("8000,16000", slice_mb=1000)
    assert [gpus.take(name).index for name in "abc"] == [1, 1, 1]
    gpus = inventory("2x8000", slice_mb=1000)
    assert sorted(gpus.take(name).index for name in "abcd") == [0, 0, 1, 1]


def test_each_admitted_kernel_gets_the_slice_size_as_its_memory_limit():
    assert inventory("1x8000", slice_mb=3000).take("a").config()["memory_limit_mb"] == 3000


def test_a_kernel_on_gpu_1_is_given_only_gpu_1s_device_node_and_the_control_nodes():
    gpus = inventory("2x16384")
    first, second = gpus.take("a"), gpus.take("b")
    assert (first.index, second.index) == (0, 1)
    config = second.config()
    assert config["devices"] == ["/dev/nvidia1", *CONTROL_NODES]
    assert config["visible"] == "1"


NVIDIA_SMI_REPORT = """<?xml version="1.0" ?>
<nvidia_smi_log>
  <gpu id="00000000:07:00.0">
    <minor_number>0</minor_number>
    <uuid>GPU-aaaa</uuid>
    <mig_mode><current_mig>Disabled</current_mig></mig_mode>
    <mig_devices>None</mig_devices>
    <fb_memory_usage><total>16384 MiB</total><used>384 MiB</used><free>16000 MiB</free></fb_memory_usage>
  </gpu>
  <gpu id="00000000:0F:00.0">
    <minor_number>3</minor_number>
    <uuid>GPU-bbbb</uuid>
    <mig_mode><current_mig>Enabled</current_mig></mig_mode>
    <mig_devices>
      <mig_device>
        <index>0</index><gpu_instance_id>1</gpu_instance_id><compute_instance_id>0</compute_instance_id>
        <fb_memory_usage><total>9984 MiB</total><used>13 MiB</used><free>9970 MiB</free></fb_memory_usage>
      </mig_device>
      <mig_device>
        <index>1</index><gpu_instance_id>5</gpu_instance_id><compute_instance_id>0</compute_instance_id>
        <fb_memory_usage><total>4864 MiB</total><used>3 MiB</used><free>4860 MiB</free></fb_memory_usage>
      </mig_device>
    </mig_devices>
    <fb_memory_usage><total>40960 MiB</total><used>100 MiB</used><free>40000 MiB</free></fb_memory_usage>
  </gpu>
</nvidia_smi_log>
"""
NVIDIA_SMI_LIST = """GPU 0: NVIDIA A10 (UUID: GPU-aaaa)
GPU 1: NVIDIA A100-PCIE-40GB (UUID: GPU-bbbb)
  MIG 2g.10gb     Device  0: (UUID: MIG-1111)
  MIG 1g.5gb      Device  1: (UUID: MIG-2222)
"""


def test_mig_instances_are_found_and_placed_like_gpus_with_their_own_device_nodes(tmp_path):
    for gi, ci, gi_minor, ci_minor in ((1, 0, 12, 13), (5, 0, 48, 49)):
        folder = tmp_path / "gpu3" / "mig" / f"gi{gi}"
        (folder / f"ci{ci}").mkdir(parents=True)
        (folder / "access").write_text(f"DeviceFileMinor: {gi_minor}\nDeviceFileMode: 292\n")
        (folder / f"ci{ci}" / "access").write_text(f"DeviceFileMinor: {ci_minor}\nDeviceFileMode: 292\n")
    devices = parse_inventory(NVIDIA_SMI_REPORT, NVIDIA_SMI_LIST, tmp_path)
    assert [(d.visible, d.free_mb, d.nodes) for d in devices] == [
        ("GPU-aaaa", 16000, ("/dev/nvidia0",)),
        ("MIG-1111", 9970, ("/dev/nvidia3", "/dev/nvidia-caps/nvidia-cap12", "/dev/nvidia-caps/nvidia-cap13")),
        ("MIG-2222", 4860, ("/dev/nvidia3", "/dev/nvidia-caps/nvidia-cap48", "/dev/nvidia-caps/nvidia-cap49")),
    ]
    gpus = GpuInventory(devices, 1024)
    # a MIG instance takes one kernel: its memory boundary is then that kernel's
    assert [d.slots for d in gpus.devices] == [16000 // (1024 + CONTEXT_OVERHEAD_MB), 1, 1]
    mig = [gpus.take(str(n)) for n in range(gpus.free_slots)][-1]  # whole GPU first: it has the most slots
    assert mig.config()["visible"].startswith("MIG-") and "/dev/nvidia0" not in mig.config()["devices"]


def test_a_host_without_gpus_says_so():
    gpus = GpuInventory([], 2048)
    assert gpus.take("a") is None and gpus.cpu_reason() == "this server has no GPU"


@pytest.mark.slow
async def test_the_slice_reaches_the_kernel_and_a_full_gpu_sends_kernels_to_the_cpu(kernel_host):
    pool = kernel_host.pool
    if pool._refill is not None:
        await pool._refill
    original_gpus, ready = pool.gpus, list(pool._ready)
    pool._ready.clear()  # pooled kernels were forked before this inventory existed
    pool.gpus = inventory("1x3000", slice_mb=2048)  # room for exactly one slice
    clients = [BusClient(), BusClient()]
    try:
        first_status = await clients[0].attach()
        second_status = await clients[1].attach()
        visible = (await clients[0].run("import os\nos.environ['CUDA_VISIBLE_DEVICES']")).results[2]["repr"]
        hidden = (await clients[1].run("import os\nos.environ['CUDA_VISIBLE_DEVICES']")).results[2]["repr"]
        listing = "import os\n[n for n in os.listdir('/dev') if n.startswith('nvidia')]"
        nodes = (await clients[0].run(listing)).results[2]["repr"]
    finally:
        for client in clients:
            await client.close()
        pool.gpus = original_gpus
        pool._ready.extend(ready)
    assert visible == "'0'" and hidden == "''"
    assert nodes == "[]"  # its GPU's nodes do not exist on this machine: skipped, and the kernel runs
    assert first_status["kernel"]["device"] == "CPU"  # no real GPU here, and it says so
    assert "no GPU is visible" in first_status["kernel"]["device_note"]
    assert "in use" in second_status["kernel"]["device_note"]
