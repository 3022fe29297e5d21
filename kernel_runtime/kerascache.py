"""Keras's dataset cache as the operator provides it: `keras.datasets.mnist.load_data()` as written.

The host mounts the folder named by PLAYGROUND_DATASETS_DIR read-only where Keras looks for
its downloads (`~/.keras/datasets`: isolate.py in the sandbox, a link without it), holding files
in Keras's own cache formats, fetched by `make datasets` with Keras's own loaders. Keras's
`get_file` then finds them, and three of its steps are adapted to a folder that is complete,
trusted and read-only:

- a missing file would be downloaded: kernels have no network, so the download fails at once
  with a message naming the setting and the bundled datasets instead;
- a found file is hashed again on every load (170 MB for CIFAR-10): the operator's files were
  checked against the same hashes when `make datasets` downloaded them, so they are trusted;
- an archive is extracted again on every load (CIFAR): where the operator's folder already
  holds it extracted, as `make datasets` leaves it, there is nothing to do (and nothing could
  be written there).

`python -m kernel_runtime.kerascache FOLDER` (`make datasets`) fills the folder on a machine with
internet: Keras's own loaders download each dataset into it and check each file's hash.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable

from . import datasets

SETTING = "PLAYGROUND_DATASETS_DIR"
# keras.datasets' modules, each with load_data() (and get_word_index() for the text ones).
KERAS_DATASETS = (
    "mnist",
    "fashion_mnist",
    "cifar10",
    "cifar100",
    "imdb",
    "reuters",
    "boston_housing",
    "california_housing",
)


def configure(provided: bool) -> None:
    """Adapt Keras's get_file; `provided`: whether the operator's folder is mounted (called at start)."""
    from keras.src.backend import config
    from keras.src.utils import file_utils

    folder = os.path.realpath(os.path.join(config.keras_home(), "datasets")) if provided else None
    steps = vars(file_utils)  # get_file calls these by their module-level names
    steps["urlretrieve"] = _refuse_download(provided)
    if folder is not None:
        steps["validate_file"] = _trusting(folder, steps["validate_file"])
        steps["extract_archive"] = _extracted_already(folder, steps["extract_archive"])


def _inside(folder: str, path: str | os.PathLike[str]) -> bool:
    return os.path.realpath(path).startswith(folder + os.sep)


def _refuse_download(provided: bool) -> Callable:
    where = f"the operator's Keras datasets folder ({SETTING}) does not hold it"
    if not provided:
        where = f"no Keras datasets folder is provided here ({SETTING} is not set)"

    def urlretrieve(url, filename=None, *args, **kwargs):
        name = os.path.basename(os.fspath(filename)) if filename else url
        raise datasets.NoInternet(
            f"Keras would download {name} from {url}, and this playground has no internet access: "
            f"{where}. {datasets.HINT}"
        )

    return urlretrieve


def _trusting(folder: str, validate_file: Callable) -> Callable:
    def validate(fpath, *args, **kwargs):
        return _inside(folder, fpath) or validate_file(fpath, *args, **kwargs)

    return validate


def _extracted_already(folder: str, extract_archive: Callable) -> Callable:
    def extract(file_path, path=".", *args, **kwargs):
        if _inside(folder, path) and os.path.isdir(path):
            return True
        return extract_archive(file_path, path, *args, **kwargs)

    return extract


def fill(folder: str) -> None:
    """Download every Keras dataset into `folder` with Keras's own loaders (needs internet)."""
    home = tempfile.mkdtemp(prefix="keras-home-")
    os.symlink(os.path.abspath(folder), os.path.join(home, "datasets"))
    os.environ["KERAS_HOME"] = home  # before Keras is imported: it reads its home once
    import keras

    for name in KERAS_DATASETS:
        print(f"keras.datasets.{name}", flush=True)
        module = getattr(keras.datasets, name)
        module.load_data()
        if hasattr(module, "get_word_index"):
            module.get_word_index()
    for root, folders, files in os.walk(folder):  # kernels read them as uids of their own
        for entry in folders + files:
            path = os.path.join(root, entry)
            os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: python -m kernel_runtime.kerascache FOLDER (the folder {SETTING} names)")
    os.makedirs(sys.argv[1], exist_ok=True)
    fill(sys.argv[1])
