"""Small datasets that need no internet: scikit-learn's bundled ones and a few generators.

In a session: `datasets.names()` lists them (and a CSV, TSV, .npz or .npy of your own loads
the same way: owndata.py); `datasets.load("diabetes")` returns
`(X_train, y_train, X_val, y_val)` as NumPy arrays (features float32; targets float32 for
regression, int64 class labels for classification), split reproducibly by `seed`.
`datasets.describe("moons")` says what one holds.

Kernels have no network, so `sklearn.datasets.fetch_*()` would fail deep inside a download;
`block_downloads()` makes them fail at once with a message that points here. Keras's datasets
load from the operator's folder where it holds them, and fail the same way where it does not
(kerascache.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import owndata

# name -> (task, description); the loaders below produce (X, y)
_CATALOGUE: dict[str, tuple[str, str]] = {
    "diabetes": ("regression", "442 patients, 10 standardised features, disease progression a year later"),
    "iris": ("classification", "150 iris flowers, 4 measurements, 3 species"),
    "digits": ("classification", "1,797 handwritten digits as 8x8 images (64 pixels, 0-16), 10 classes"),
    "wine": ("classification", "178 wines, 13 chemical measurements, 3 cultivars"),
    "breast_cancer": ("classification", "569 tumours, 30 features, malignant (0) or benign (1)"),
    "outliers": ("regression", "y = 3x - 1 plus noise, with 10% gross outliers: where Huber beats MSE"),
    "moons": ("classification", "two interleaving half circles in 2-D, 2 classes"),
    "spirals": ("classification", "three interleaved spirals in 2-D, 3 classes"),
}

HINT = (
    "Use the bundled datasets instead: datasets.names() lists them, and X_train, y_train, X_val, y_val = "
    'datasets.load("digits") loads one (digits: 8x8 handwritten digits, a small MNIST).'
)


class NoInternet(RuntimeError):
    """A dataset download was asked for; kernels have no network."""


def names() -> list[str]:
    return list(_CATALOGUE)


def describe(name: str, target: str | int | None = None) -> str | owndata.Description:
    """What a bundled set holds; for a file of yours (owndata.py), its rows, columns and target."""
    if owndata.is_data_file(name):
        return owndata.describe(name, target)
    task, text = _CATALOGUE[_checked(name)]
    return f"{name} ({task}): {text}"


def load(
    name: str,
    validation: float = 0.2,
    seed: int = 0,
    n: int = 1000,
    noise: float = 0.1,
    target: str | int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_val, y_val); `n` and `noise` apply to the generated datasets, `target`
    to a file of yours (a .csv, .tsv, .npz or .npy in the scratch folder: owndata.py)."""
    if not 0 <= validation < 1:
        raise ValueError(f"validation is the share kept for validation, from 0 to below 1; got {validation!r}")
    rng = np.random.default_rng(seed)
    if owndata.is_data_file(name):
        X, y = owndata.features_and_labels(name, target)
    else:
        X, y = _LOADERS[_checked(name)](rng, int(n), float(noise))
    order = rng.permutation(len(X))
    cut = len(X) - round(len(X) * validation)
    train, val = order[:cut], order[cut:]
    return X[train], y[train], X[val], y[val]


def _checked(name: str) -> str:
    if name not in _CATALOGUE:
        raise KeyError(f"no dataset {name!r}; there are: {', '.join(_CATALOGUE)}")
    return name


def _sklearn(loader: str) -> Callable:
    def load_bundled(rng, n, noise):
        from sklearn import datasets as bundled

        data = getattr(bundled, loader)()
        X = np.asarray(data.data, dtype=np.float32)
        target = np.asarray(data.target)
        y = target.astype(np.float32) if target.dtype.kind == "f" else target.astype(np.int64)
        return X, y

    return load_bundled


def _outliers(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-2, 2, size=(n, 1)).astype(np.float32)
    y = 3 * x[:, 0] - 1 + rng.normal(0, max(noise, 1e-6) * 3, size=n)
    bad = rng.random(n) < 0.1
    y[bad] += rng.choice([-1, 1], size=bad.sum()) * rng.uniform(8, 15, size=bad.sum())
    return x, y.astype(np.float32)


def _moons(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    t = rng.uniform(0, np.pi, size=n)
    upper = np.stack([np.cos(t[:half]), np.sin(t[:half])], axis=1)
    lower = np.stack([1 - np.cos(t[half:]), 0.5 - np.sin(t[half:])], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(half), np.ones(n - half)]).astype(np.int64)
    return X.astype(np.float32), y


def _spirals(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    classes = 3
    y = np.arange(n) % classes
    r = rng.uniform(0.05, 1, size=n)
    angle = r * 4 + y * (2 * np.pi / classes) + rng.normal(0, noise * 2, size=n)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    return X.astype(np.float32), y.astype(np.int64)


_LOADERS: dict[str, Callable] = {
    "diabetes": _sklearn("load_diabetes"),
    "iris": _sklearn("load_iris"),
    "digits": _sklearn("load_digits"),
    "wine": _sklearn("load_wine"),
    "breast_cancer": _sklearn("load_breast_cancer"),
    "outliers": _outliers,
    "moons": _moons,
    "spirals": _spirals,
}


def block_downloads() -> None:
    """Make scikit-learn's downloads fail at once, saying what to use instead (called at start;
    Keras's are kerascache.py's)."""
    try:
        from sklearn import datasets as bundled
    except ImportError:
        return
    for fetch in (f for f in dir(bundled) if f.startswith("fetch_")):
        setattr(bundled, fetch, _refusal(f"sklearn.datasets.{fetch}()"))


def _refusal(what: str) -> Callable:
    def refuse(*args, **kwargs):
        raise NoInternet(f"{what} downloads its data, and this playground has no internet access. {HINT}")

    refuse.__name__ = what.rsplit(".", 1)[-1].rstrip("()")
    return refuse
