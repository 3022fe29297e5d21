"""A pooled kernel has already run an op, yet a session's first statements can configure
TensorFlow as in a new Python process (runtime/tfconfig.py); real TensorFlow in real kernels."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

# The first cell of TensorFlow's guide random_numbers.ipynb, as published.
RANDOM_NUMBERS_FIRST_CELL = """
import tensorflow as tf

# Creates some virtual devices (cpu:0, cpu:1, etc.) for using distribution strategy
physical_devices = tf.config.list_physical_devices("CPU")
tf.config.experimental.set_virtual_device_configuration(
    physical_devices[0], [
        tf.config.experimental.VirtualDeviceConfiguration(),
        tf.config.experimental.VirtualDeviceConfiguration(),
        tf.config.experimental.VirtualDeviceConfiguration()
    ])
"""
WARM = "from tensorflow.python.eager import context\ncontext.context()._initialized"


async def test_random_numbers_first_cell_makes_three_cpus_in_a_pooled_kernel(kernel):
    run = await kernel.run(RANDOM_NUMBERS_FIRST_CELL)
    assert run.error is None and run.done["ok"] is True
    run = await kernel.run("len(tf.config.list_logical_devices('CPU'))")
    assert run.results[1]["repr"] == "3"
    strategy = "s = tf.distribute.MirroredStrategy(['cpu:1', 'cpu:2'])\ns.num_replicas_in_sync"
    assert (await kernel.run(strategy)).results[2]["repr"] == "2"
    assert (await kernel.run("g = tf.random.Generator.from_seed(1)\ng.normal([2]).shape")).results[2]["dims"] == [2]


async def test_threads_and_visible_devices_can_be_set_by_a_first_run(kernel):
    code = """
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
tf.config.set_visible_devices(tf.config.list_physical_devices("CPU"))
(tf.config.threading.get_intra_op_parallelism_threads(), tf.config.threading.get_inter_op_parallelism_threads())
"""
    run = await kernel.run(code)
    assert run.error is None
    assert run.results[5]["repr"] == "(1, 1)"
    assert (await kernel.run("int(tf.reduce_sum(tf.ones([3])))")).results[1]["repr"] == "3"


async def test_a_session_that_configures_nothing_keeps_the_warm_context(kernel):
    assert (await kernel.run(WARM)).results[2]["repr"] == "True"  # the pool's op ran; no reset


async def test_a_configuration_after_the_sessions_first_op_says_why_and_what_to_do(kernel):
    await kernel.run("x = tf.ones([2])")
    run = await kernel.run("tf.config.threading.set_intra_op_parallelism_threads(1)")
    assert run.error["ename"] == "RuntimeError"
    assert "cannot be modified after initialization" in run.error["evalue"]
    assert "first run of a session (Restart, then run them first)" in run.error["evalue"]


async def test_within_a_first_run_a_setting_after_an_op_fails_as_in_a_new_process(kernel):
    code = "tf.config.threading.set_intra_op_parallelism_threads(1)\nx = tf.ones([2])\n"
    run = await kernel.run(code + "tf.config.threading.set_inter_op_parallelism_threads(1)")
    assert run.error["ename"] == "RuntimeError" and "Restart" in run.error["evalue"]
    assert (await kernel.run("tf.config.threading.get_intra_op_parallelism_threads()")).results[1]["repr"] == "1"
