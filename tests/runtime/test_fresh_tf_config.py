"""A pooled kernel has already run an op, yet a session can configure TensorFlow as in a new
Python process until its code uses a device (kernel_runtime/tfconfig.py); real TensorFlow in
real kernels."""

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
    assert "this session has run one already" in run.error["evalue"]
    assert "(Restart, then run them first)" in run.error["evalue"]


async def test_within_a_first_run_a_setting_after_an_op_fails_as_in_a_new_process(kernel):
    code = "tf.config.threading.set_intra_op_parallelism_threads(1)\nx = tf.ones([2])\n"
    run = await kernel.run(code + "tf.config.threading.set_inter_op_parallelism_threads(1)")
    assert run.error["ename"] == "RuntimeError" and "Restart" in run.error["evalue"]
    assert (await kernel.run("tf.config.threading.get_intra_op_parallelism_threads()")).results[1]["repr"] == "1"


async def test_a_seed_set_in_an_earlier_run_leaves_the_devices_configurable(kernel):
    """The random-numbers guide after `set_random_seed` in a run of its own, as plain Python runs it."""
    assert (await kernel.run("tf.keras.utils.set_random_seed(42)")).error is None
    run = await kernel.run(RANDOM_NUMBERS_FIRST_CELL)
    assert run.error is None and run.done["ok"] is True
    assert (await kernel.run("len(tf.config.list_logical_devices('CPU'))")).results[1]["repr"] == "3"


async def test_the_seed_set_before_the_configuration_still_holds_after_it(client_factory):
    draw = "tf.random.uniform([3]).numpy().tolist()"
    configured, plain = await client_factory(), await client_factory()
    await configured.run("tf.keras.utils.set_random_seed(42)")
    await configured.run(RANDOM_NUMBERS_FIRST_CELL)
    await plain.run("tf.keras.utils.set_random_seed(42)")
    assert (await configured.run(draw)).results[1]["repr"] == (await plain.run(draw)).results[1]["repr"]


async def test_runs_that_use_no_device_leave_the_threads_configurable(kernel):
    await kernel.run("import numpy as np\na = np.ones(3)\nlayer = keras.layers.Dense(2)\nprint(tf.__version__)")
    run = await kernel.run("tf.config.threading.set_inter_op_parallelism_threads(2)")
    assert run.error is None
    assert (await kernel.run("tf.config.threading.get_inter_op_parallelism_threads()")).results[1]["repr"] == "2"


async def test_a_tensor_op_in_an_earlier_run_makes_a_later_configuration_say_why(kernel):
    await kernel.run("tf.keras.utils.set_random_seed(42)\ny = tf.random.uniform([2])")
    run = await kernel.run(RANDOM_NUMBERS_FIRST_CELL)
    assert run.error["ename"] == "RuntimeError"
    assert "this session has run one already" in run.error["evalue"] and "Restart" in run.error["evalue"]
    assert (await kernel.run("y.shape")).results[1]["dims"] == [2]  # the session's tensors are intact


async def test_after_a_fresh_configuration_tensorflows_own_rule_holds(kernel):
    await kernel.run(RANDOM_NUMBERS_FIRST_CELL)
    await kernel.run("tf.config.list_logical_devices('CPU')")  # initialises the context, as in any process
    run = await kernel.run("tf.config.threading.set_intra_op_parallelism_threads(1)")
    assert run.error["ename"] == "RuntimeError" and "Restart" in run.error["evalue"]
    assert (await kernel.run("len(tf.config.list_logical_devices('CPU'))")).results[1]["repr"] == "3"
