"""Your own data (kernel_runtime/owndata.py): a CSV, TSV, .npz or .npy in the scratch folder loads
with the bundled sets' contract, is described, and a bad one is refused saying where (fast: the
module in this process, on files in a temporary folder)."""

from __future__ import annotations

import numpy as np
import pytest

from kernel_runtime import datasets, files, owndata

HOMES = "area,city,rooms,price\n50,Lyon,2,120.5\n80,Paris,3,300\n,Nantes,4,210\n120,Paris,5,480\n65,Lyon,NA,150\n"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "_folder", str(tmp_path))
    return tmp_path


def test_a_csv_loads_as_float32_features_with_text_as_codes_and_a_float32_target(scratch):
    (scratch / "homes.csv").write_text(HOMES)
    X_train, y_train, X_val, y_val = datasets.load("homes.csv", target="price", validation=0.4)
    assert X_train.dtype == np.float32 and X_train.shape == (3, 3) and X_val.shape == (2, 3)
    assert y_train.dtype == np.float32 and sorted(np.concatenate([y_train, y_val])) == [120.5, 150, 210, 300, 480]
    rows = {
        float(y): list(x)
        for x, y in zip(np.concatenate([X_train, X_val]), np.concatenate([y_train, y_val]), strict=True)
    }
    assert rows[300.0] == [80, 2, 3]  # Lyon 0, Nantes 1, Paris 2
    assert np.isnan(rows[210.0][0]) and np.isnan(rows[150.0][2])  # missing values are NaN


def test_the_split_follows_the_seed_as_the_bundled_sets_do(scratch):
    (scratch / "homes.csv").write_text(HOMES)
    first, again = (
        datasets.load("homes.csv", target="price", seed=3),
        datasets.load("homes.csv", target="price", seed=3),
    )
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(first, again, strict=True))


def test_a_text_target_or_few_integer_values_are_int64_class_labels(scratch):
    (scratch / "homes.csv").write_text(HOMES)
    _, y, _, y_val = datasets.load("homes.csv", target="city", validation=0)
    assert y.dtype == np.int64 and sorted(y) == [0, 0, 1, 2, 2] and len(y_val) == 0
    (scratch / "pass.tsv").write_text("hours\tpassed\n1\t0\n5\t1\n3\t1\n")
    _, y, _, _ = datasets.load("pass.tsv", target="passed", validation=0)
    assert y.dtype == np.int64 and sorted(y) == [0, 1, 1]


def test_describe_shows_rows_columns_missing_values_categories_and_the_target(scratch):
    (scratch / "homes.csv").write_text(HOMES)
    text = repr(datasets.describe("homes.csv", target="city"))
    assert text.splitlines()[0] == "homes.csv: 5 rows, 4 columns; target city (classification)"
    assert [line.split()[0] for line in text.splitlines()[2:]] == ["area", "city", "rooms", "price"]
    assert "area    integer  1        min 50, mean 78.75, max 120" in text and "rooms   integer  1" in text
    assert "target: 0 Lyon: 2, 1 Nantes: 1, 2 Paris: 2" in text
    assert "price   number   0        min 120.5, mean 252.1, max 480" in text
    assert "3 categories" in repr(datasets.describe("homes.csv", target="price"))


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("a,b\n1,2\n3\n", "line 3: 1 fields where the header has 2"),
        ("a,b\n1,2\n" + "3,4\n" * 20 + "5x,6\n", "line 23, column 'a': '5x' is not a number"),
        ('a,b\n1,"2\n', "line 2: unexpected end of data"),
        ("a,a\n1,2\n", "line 1, column 2: 'a' names two columns"),
        ("a,b\n", "the file needs a header row naming the columns, then at least one row"),
    ],
)
def test_a_bad_csv_is_refused_naming_the_line_and_column(scratch, content, where):
    (scratch / "bad.csv").write_text(content)
    with pytest.raises(owndata.DataFileError, match="^" + where.replace("(", r"\(")):
        datasets.load("bad.csv", target="b")


def test_text_that_is_not_utf8_is_refused_with_its_line(scratch):
    (scratch / "bad.csv").write_bytes(b"a,b\n1,2\n3,\xff\n")
    with pytest.raises(owndata.DataFileError, match=r"^line 3: not UTF-8"):
        datasets.load("bad.csv")


def test_a_large_file_is_refused_naming_the_limit(scratch, monkeypatch):
    monkeypatch.setattr(owndata, "MAX_TEXT_BYTES", 2**20)
    (scratch / "big.csv").write_text("a,b\n" + "1,2\n" * 300_000)
    with pytest.raises(owndata.DataFileError, match=r"big.csv is 1.1 MiB as text; datasets.load reads up to 1 MiB"):
        datasets.load("big.csv")


def test_an_npz_and_an_npy_load_the_same_way(scratch):
    np.savez(scratch / "d.npz", x=np.ones((4, 2, 2)), labels=np.array([0, 1, 0, 1]))
    X, y, _, _ = datasets.load("d.npz", target="labels", validation=0)
    assert X.shape == (4, 4) and X.dtype == np.float32 and y.dtype == np.int64
    np.save(scratch / "m.npy", np.array([[1.0, 2.0, 0.5], [3.0, 4.0, 1.5]]))
    X, y, _, _ = datasets.load("m.npy", validation=0)  # the target: the last column
    assert X.shape == (2, 2) and y.dtype == np.float32 and sorted(y) == [0.5, 1.5]


def test_arrays_that_would_need_pickle_are_refused(scratch):
    np.save(scratch / "o.npy", np.array([[{"a": 1}, 2]], dtype=object))
    with pytest.raises(owndata.DataFileError, match="allow_pickle"):
        datasets.load("o.npy")


def test_an_unknown_target_names_the_columns(scratch):
    (scratch / "homes.csv").write_text(HOMES)
    with pytest.raises(KeyError, match="its columns are area, city, rooms, price"):
        datasets.load("homes.csv", target="cost")
