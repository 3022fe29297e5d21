"""The shared-GPU policy, against a simulated device inventory (these machines have no GPU)."""

from __future__ import annotations

import pytest
from conftest import BusClient

from playground.kernel.gpu import CONTEXT_OVERHEAD_MB, GpuInventory, _parse_simulated


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
    assert inventory("1x8000", slice_mb=3000).take("a").config() == {"index": 0, "memory_limit_mb": 3000}


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
    finally:
        for client in clients:
            await client.close()
        pool.gpus = original_gpus
        pool._ready.extend(ready)
    assert visible == "'0'" and hidden == "''"
    assert first_status["kernel"]["device"] == "CPU"  # no real GPU here, and it says so
    assert "no GPU is visible" in first_status["kernel"]["device_note"]
    assert "in use" in second_status["kernel"]["device_note"]
