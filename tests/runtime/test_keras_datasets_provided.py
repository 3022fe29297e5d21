"""Keras's datasets as written, from the operator's folder (PLAYGROUND_DATASETS_DIR,
kernel_runtime/kerascache.py): small files generated here in Keras's exact cache formats, loaded
by unchanged `keras.datasets.*.load_data()` in real sandboxed kernels of a host of their own."""

from __future__ import annotations

import dataclasses
import gzip
import os

import numpy as np
import pytest
from channels.layers import get_channel_layer

from kernels import bus
from kernels.apps import kernel_limits, sandbox_settings
from kernels.host import KernelHost
from tests.support import BusClient

pytestmark = pytest.mark.slow

CHANNEL = "kernelhost-datasets-test"


def write_keras_cache(folder) -> None:
    """mnist.npz, boston_housing.npz and fashion-mnist/ as Keras writes them; no imdb.npz."""
    rng = np.random.default_rng(0)
    images = {k: rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8) for k, n in (("x_train", 6), ("x_test", 4))}
    labels = {"y_train": np.arange(6, dtype=np.uint8), "y_test": np.arange(4, dtype=np.uint8)}
    np.savez(folder / "mnist.npz", **images, **labels)
    np.savez(folder / "boston_housing.npz", x=rng.normal(size=(10, 13)), y=np.arange(10, dtype=np.float64))
    fashion = folder / "fashion-mnist"
    fashion.mkdir()
    for part, n in (("train", 5), ("t10k", 3)):
        with gzip.open(fashion / f"{part}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(bytes(8) + bytes(range(n)))
        with gzip.open(fashion / f"{part}-images-idx3-ubyte.gz", "wb") as f:
            f.write(bytes(16) + bytes(n * 28 * 28))
    for path in [folder, fashion, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)  # kernels run as uids of their own


@pytest.fixture(scope="module")
async def datasets_host(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keras-datasets")
    write_keras_cache(folder)
    limits = dataclasses.replace(kernel_limits(), pool_size=1)
    settings = dataclasses.replace(sandbox_settings(), datasets_dir=str(folder))
    host = KernelHost(get_channel_layer(), CHANNEL, limits, settings)
    await host.start()
    yield host
    await host.stop()


class DatasetsClient(BusClient):
    """A session on the test's own host."""

    host: KernelHost

    async def _send(self, message: dict) -> None:
        await self.layer.send(CHANNEL, message)

    async def close(self) -> None:
        await self.layer.group_discard(bus.group_name(self.owner), self.channel)
        session = self.host.sessions.pop(self.owner, None)
        if session is not None:
            await session.shutdown("the test is over")


@pytest.fixture
async def session(datasets_host):
    client = DatasetsClient()
    client.host = datasets_host
    await client.attach()
    yield client
    await client.close()


async def test_mnist_loads_unchanged_from_the_operators_folder(session):
    code = "(x, y), (xt, yt) = keras.datasets.mnist.load_data()\n(x.shape, x.dtype.name, y.tolist(), xt.shape)"
    run = await session.run(code)
    assert run.error is None, run.error
    assert run.results[2]["repr"] == "((6, 28, 28), 'uint8', [0, 1, 2, 3, 4, 5], (4, 28, 28))"
    assert "Downloading" not in run.stdout


async def test_boston_housing_loads_and_splits_as_keras_does(session):
    run = await session.run("(x, y), (xt, yt) = tf.keras.datasets.boston_housing.load_data()\n(x.shape, xt.shape)")
    assert run.error is None, run.error
    assert run.results[2]["repr"] == "((8, 13), (2, 13))"


async def test_fashion_mnist_loads_from_its_own_subfolder(session):
    run = await session.run("(x, y), _ = keras.datasets.fashion_mnist.load_data()\n(x.shape, y.tolist())")
    assert run.results[2]["repr"] == "((5, 28, 28), [0, 1, 2, 3, 4])"


async def test_a_file_the_folder_lacks_names_the_setting_and_the_bundled_datasets(session):
    run = await session.run("keras.datasets.imdb.load_data()")
    assert run.error["ename"] == "NoInternet"
    assert "imdb.npz" in run.error["evalue"] and "PLAYGROUND_DATASETS_DIR" in run.error["evalue"]
    assert 'datasets.load("digits")' in run.error["evalue"]


async def test_the_folder_is_read_only_for_user_code(session):
    run = await session.run("import os\nopen(os.path.expanduser('~/.keras/datasets/mnist.npz'), 'wb')")
    assert run.error["ename"] == "OSError" and "Read-only file system" in run.error["evalue"]


async def test_without_the_setting_keras_downloads_say_it_is_not_set(kernel):
    run = await kernel.run("keras.datasets.mnist.load_data()")
    assert run.error["ename"] == "NoInternet" and "PLAYGROUND_DATASETS_DIR is not set" in run.error["evalue"]
