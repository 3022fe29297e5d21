"""A visitor's own data: a CSV or TSV with a header row, a `.npz` or a `.npy` in the session's
scratch folder (the Files panel uploads there), loaded with the bundled sets' contract.

`datasets.load("homes.csv", target="price")` gives `(X_train, y_train, X_val, y_val)`: features
float32, a text column as category codes (named by `datasets.describe`), missing values NaN; a
text target, or an integer one with few values, as int64 class labels, else float32. Files are
read with the standard `csv` module and NumPy (arrays never unpickled), within a size limit, and
a file that does not fit the contract is refused naming its line and column.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from dataclasses import dataclass

import numpy as np

from . import files

SUFFIXES = (".csv", ".tsv", ".npz", ".npy")
MAX_TEXT_BYTES = 32 * 2**20  # a CSV's cells become Python strings: ~10 times the file in memory
MAX_ARRAY_BYTES = 256 * 2**20  # arrays as loaded (an .npz is measured uncompressed)
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
MAX_CLASSES = 20  # an integer target with at most this many values is a classification's labels
TYPO_SHARE = 0.1  # a column this much not numbers, or less, is numbers with mistakes, not text


class DataFileError(ValueError):
    """A file that does not fit the contract, with where it does not."""


@dataclass
class Column:
    name: str
    kind: str  # "number", "integer" or "text"
    values: np.ndarray  # float64; text as category codes; NaN where missing
    missing: int
    categories: list[str]  # a text column's, in code order


def is_data_file(name: object) -> bool:
    return isinstance(name, str) and name.lower().endswith(SUFFIXES)


def read(name: str, target: str | int | None = None) -> tuple[list[Column], Column]:
    """The feature columns and the target column of a file (by default its last column)."""
    columns, index = columns_and_target(name, target)
    return columns[:index] + columns[index + 1 :], columns[index]


def columns_and_target(name: str, target: str | int | None) -> tuple[list[Column], int]:
    """A file's columns in their order, and which one is the target."""
    path = _path(name)
    suffix = os.path.splitext(name)[1].lower()
    columns = _read_text(path, "\t" if suffix == ".tsv" else ",") if suffix in (".csv", ".tsv") else None
    if columns is None:
        columns = _array_columns(_read_arrays(path, suffix), target)
        target = "y" if suffix == ".npz" else None
    return columns, _target_index(columns, target, name)


def features_and_labels(name: str, target: str | int | None) -> tuple[np.ndarray, np.ndarray]:
    features, label = read(name, target)
    if not features:
        raise DataFileError(f"{name} has no column besides the target {label.name!r}")
    X = np.stack([c.values for c in features], axis=1).astype(np.float32)
    return X, target_values(label, name)


def target_values(label: Column, name: str) -> np.ndarray:
    if label.missing:
        raise DataFileError(f"{name}: the target {label.name!r} is missing in {label.missing} rows")
    if classification(label):
        return label.values.astype(np.int64)
    return label.values.astype(np.float32)


def classification(label: Column) -> bool:
    return label.kind == "text" or (label.kind == "integer" and len(np.unique(label.values)) <= MAX_CLASSES)


def _path(name: str) -> str:
    path = name if os.sep in name else os.path.join(files.folder(), name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"There is no file {name!r} in the scratch folder (upload it in the Files panel).")
    return path


def _refuse_size(name: str, size: int, limit: int, what: str) -> None:
    if size > limit:
        raise DataFileError(
            f"{os.path.basename(name)} is {size / 2**20:.1f} MiB {what}; datasets.load reads up to "
            f"{limit // 2**20} MiB (read a part of it with the csv module or NumPy)"
        )


# ---------- CSV and TSV ----------


def _read_text(path: str, delimiter: str) -> list[Column]:
    _refuse_size(path, os.path.getsize(path), MAX_TEXT_BYTES, "as text")
    with open(path, "rb") as f:
        data = f.read(MAX_TEXT_BYTES + 1)
    _refuse_size(path, len(data), MAX_TEXT_BYTES, "as text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataFileError(f"line {line}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    header, rows, lines = _rows(text, delimiter)
    return [_text_column(header[i], [r[i] for r in rows], lines) for i in range(len(header))]


def _rows(text: str, delimiter: str) -> tuple[list[str], list[list[str]], list[int]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, lines = [], []
    try:
        header = next(reader, None)
        for row in reader:
            if not row:
                continue  # a blank line
            if len(row) != len(header or ()):
                raise DataFileError(
                    f"line {reader.line_num}: {len(row)} fields where the header has {len(header or ())}"
                )
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataFileError(f"line {reader.line_num}: {exc}") from None
    if not header or not rows:
        raise DataFileError("the file needs a header row naming the columns, then at least one row")
    _check_header(header)
    return [h.strip() for h in header], rows, lines


def _check_header(header: list[str]) -> None:
    names = [h.strip() for h in header]
    for number, name in enumerate(names, 1):
        if not name:
            raise DataFileError(f"line 1, column {number}: the header names no column there")
        if names.index(name) != number - 1:
            raise DataFileError(f"line 1, column {number}: {name!r} names two columns")


def _text_column(name: str, cells: list[str], lines: list[int]) -> Column:
    missing = np.array([c.strip().lower() in MISSING for c in cells])
    numbers, bad = np.full(len(cells), np.nan), []
    for i, cell in enumerate(cells):
        if not missing[i]:
            try:
                numbers[i] = float(cell)
            except ValueError:
                bad.append(i)
    present = int((~missing).sum())
    if not bad:
        whole = bool(np.all(np.mod(numbers[~missing], 1) == 0))
        return Column(name, "integer" if whole else "number", numbers, int(missing.sum()), [])
    if len(bad) <= TYPO_SHARE * present:
        first = bad[0]
        raise DataFileError(
            f"line {lines[first]}, column {name!r}: {cells[first]!r} is not a number, as the column's other "
            "values are (leave the cell empty for a missing value)"
        )
    return _categories(name, [c.strip() for c in cells], missing)


def _categories(name: str, cells: list[str], missing: np.ndarray) -> Column:
    categories = sorted({c for c, m in zip(cells, missing, strict=True) if not m})
    code = {c: float(i) for i, c in enumerate(categories)}
    values = np.array([np.nan if m else code[c] for c, m in zip(cells, missing, strict=True)])
    return Column(name, "text", values, int(missing.sum()), categories)


# ---------- .npy and .npz ----------


def _read_arrays(path: str, suffix: str) -> dict[str, np.ndarray]:
    if suffix == ".npz":
        with _zip(path) as archive:  # sizes as declared, before anything is inflated
            _refuse_size(path, sum(i.file_size for i in archive.infolist()), MAX_ARRAY_BYTES, "uncompressed")
    else:
        _refuse_size(path, os.path.getsize(path), MAX_ARRAY_BYTES, "")
    try:
        if suffix == ".npy":
            return {"": np.load(path, allow_pickle=False)}
        with np.load(path, allow_pickle=False) as loaded:
            return {key: loaded[key] for key in loaded.files}
    except (ValueError, zipfile.BadZipFile) as exc:  # object arrays need pickle, never run on a file from anywhere
        raise DataFileError(f"{os.path.basename(path)}: {exc}") from None


def _zip(path: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise DataFileError(f"{os.path.basename(path)} is not an .npz (a zip of .npy arrays)") from None


def _array_columns(arrays: dict[str, np.ndarray], target: str | int | None) -> list[Column]:
    if "" in arrays:  # one 2-D array: its columns, by number
        return _matrix_columns(arrays[""], [str(i) for i in range(_width(arrays[""]))])
    x_key = next((k for k in ("x", "X") if k in arrays), None)
    y_key = target if isinstance(target, str) else "y"
    if x_key is None or y_key not in arrays:
        raise DataFileError(f"an .npz needs arrays named x (or X) and {y_key!r}; this one holds {sorted(arrays)}")
    x, y = arrays[x_key], arrays[y_key]
    if len(x) != len(y):
        raise DataFileError(f"{x_key} has {len(x)} rows and {y_key!r} {len(y)}: they must match")
    columns = _matrix_columns(x.reshape(len(x), -1), [f"x[{i}]" for i in range(int(np.prod(x.shape[1:])))])
    return [*columns, *_matrix_columns(y.reshape(len(y), 1), ["y"])]


def _width(array: np.ndarray) -> int:
    if array.ndim != 2:
        raise DataFileError(
            f"a .npy needs a 2-D array (rows, columns), the target one of its columns; got {array.shape}"
        )
    return array.shape[1]


def _matrix_columns(matrix: np.ndarray, names: list[str]) -> list[Column]:
    if matrix.dtype.kind not in "biuf":
        raise DataFileError(f"the arrays must hold numbers; got dtype {matrix.dtype}")
    columns = []
    for i, name in enumerate(names):
        values = matrix[:, i].astype(np.float64)
        missing = np.isnan(values)
        whole = matrix.dtype.kind in "biu" or bool(np.all(np.mod(values[~missing], 1) == 0))
        columns.append(Column(name, "integer" if whole else "number", values, int(missing.sum()), []))
    return columns


def _target_index(columns: list[Column], target: str | int | None, name: str) -> int:
    names = [c.name for c in columns]
    if target is None:
        return len(columns) - 1
    if isinstance(target, int) and not isinstance(target, bool) and -len(columns) <= target < len(columns):
        return target % len(columns)
    if str(target) in names:
        return names.index(str(target))
    raise KeyError(f"{name} has no column {target!r}; its columns are {', '.join(names)}")


# ---------- describe ----------

SHOWN_CATEGORIES = 10


@dataclass(repr=False)
class Description:
    """What `datasets.describe("homes.csv")` shows: rows, columns, missing values, categories and
    the target's distribution (a result drawn as text)."""

    name: str
    rows: int
    columns: list[Column]
    target: Column
    task: str  # "classification" or "regression"

    def __repr__(self) -> str:
        head = f"{self.name}: {self.rows} rows, {len(self.columns)} columns; target {self.target.name} ({self.task})"
        table = [("column", "type", "missing", "values")]
        table += [(c.name, c.kind, str(c.missing), self._values(c)) for c in self.columns]
        widths = [max(len(row[i]) for row in table) for i in range(3)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3] for row in table
        ]
        return "\n".join([head, *lines])

    def _values(self, column: Column) -> str:
        if column is self.target:
            return "target: " + _distribution(column) if self.task == "classification" else "target: " + _range(column)
        if column.kind == "text":
            return _category_list(column)
        return _range(column)


def describe(name: str, target: str | int | None = None) -> Description:
    columns, index = columns_and_target(name, target)
    label = columns[index]
    task = "classification" if classification(label) else "regression"
    return Description(os.path.basename(name), len(label.values), columns, label, task)


def _range(column: Column) -> str:
    present = column.values[~np.isnan(column.values)]
    if not len(present):
        return "all missing"
    return f"min {present.min():.6g}, mean {present.mean():.6g}, max {present.max():.6g}"


def _category_list(column: Column) -> str:
    shown = ", ".join(f"{i} {c}" for i, c in enumerate(column.categories[:SHOWN_CATEGORIES]))
    more = len(column.categories) - SHOWN_CATEGORIES
    return f"{len(column.categories)} categories, as codes: {shown}" + (f", … {more} more" if more > 0 else "")


def _distribution(column: Column) -> str:
    codes, counts = np.unique(column.values[~np.isnan(column.values)], return_counts=True)
    names = [f"{int(v)} {column.categories[int(v)]}" if column.categories else str(int(v)) for v in codes]
    return ", ".join(f"{n}: {c}" for n, c in zip(names, counts, strict=True))
