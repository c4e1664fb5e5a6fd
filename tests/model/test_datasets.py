"""Tests for model.datasets: built-in sets, splitting, targets and CSV loading."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.datasets import DATASETS, REGRESSION_DATASETS, TRUTH_TABLES, Dataset, load, load_csv, split, targets
from model.errors import DataError

RANDOM_SETS = [
    name for name in DATASETS if name not in TRUTH_TABLES and name not in ("iris", "digits", *REGRESSION_DATASETS)
]  # bundled: tests/model/test_bundled_data.py; regression: tests/model/test_regression.py


# --------------------------------------------------------------------------
# Built-in datasets
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("xor", [0, 1, 1, 0]),
        ("and", [0, 0, 0, 1]),
        ("or", [0, 1, 1, 1]),
        ("nand", [1, 1, 1, 0]),
        ("xnor", [1, 0, 0, 1]),
    ],
)
def test_truth_tables(name, expected):
    ds = load(name, n_samples=50, noise=0.5, test_fraction=0.5, seed=3)  # all ignored
    assert ds.name == name
    np.testing.assert_array_equal(ds.X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(ds.labels, expected)
    assert ds.X.dtype == np.float64 and ds.labels.dtype == np.int64
    assert ds.X_test.shape == (0, 2) and ds.labels_test.shape == (0,)
    assert not ds.has_test
    assert ds.class_names == ("0", "1")
    assert ds.feature_names == ("x1", "x2")
    assert ds.n_features == 2 and ds.n_classes == 2


def test_truth_table_names_cover_datasets():
    assert set(TRUTH_TABLES) <= set(DATASETS)
    assert len(DATASETS) == 14  # 12 class sets, 2 regression sets


@pytest.mark.parametrize("name", RANDOM_SETS)
def test_random_set_shapes_and_range(name):
    ds = load(name, n_samples=101, seed=1)
    assert ds.X.shape == (101, 2) and ds.X.dtype == np.float64
    assert ds.labels.shape == (101,) and ds.labels.dtype == np.int64
    assert ds.X_test.shape == (0, 2) and ds.labels_test.shape == (0,)
    assert ds.n_classes == 2 and ds.class_names == ("0", "1")
    assert set(np.unique(ds.labels)) == {0, 1}
    assert np.all(np.isfinite(ds.X))
    assert np.abs(ds.X).max() < 2.0  # "roughly [-1.5, 1.5]" with the default noise


@pytest.mark.parametrize("name", RANDOM_SETS)
def test_random_sets_are_deterministic_per_seed(name):
    a = load(name, seed=7, test_fraction=0.25)
    b = load(name, seed=7, test_fraction=0.25)
    c = load(name, seed=8, test_fraction=0.25)
    for field in ("X", "labels", "X_test", "labels_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", ["spiral", "blobs"])
def test_classes_respected_for_spiral_and_blobs(name):
    ds = load(name, n_samples=90, classes=3)
    assert ds.n_classes == 3 and ds.class_names == ("0", "1", "2")
    np.testing.assert_array_equal(np.bincount(ds.labels), [30, 30, 30])


@pytest.mark.parametrize("name", ["circles", "moons", "xor_quadrants"])
def test_other_sets_always_have_two_classes(name):
    assert load(name, classes=5).n_classes == 2


def test_balanced_classes_with_remainder():
    ds = load("blobs", n_samples=10, classes=3)
    np.testing.assert_array_equal(np.bincount(ds.labels), [4, 3, 3])


def test_zero_noise_is_allowed():
    ds = load("circles", noise=0.0)
    radii = np.sort(np.unique(np.round(np.hypot(ds.X[:, 0], ds.X[:, 1]), 9)))
    np.testing.assert_allclose(radii, [0.5, 1.0])


def test_xor_quadrants_labels_follow_signs_without_noise():
    ds = load("xor_quadrants", noise=0.0, n_samples=300)
    expected = (ds.X[:, 0] > 0) != (ds.X[:, 1] > 0)
    np.testing.assert_array_equal(ds.labels, expected.astype(int))


@pytest.mark.parametrize(("n", "fraction", "n_test"), [(200, 0.2, 40), (10, 0.01, 1), (10, 0.99, 9), (101, 0.5, 50)])
def test_split_sizes_through_load(n, fraction, n_test):
    ds = load("moons", n_samples=n, test_fraction=fraction)
    assert len(ds.X_test) == len(ds.labels_test) == n_test
    assert len(ds.X) == len(ds.labels) == n - n_test
    assert ds.has_test


def test_split_is_a_seeded_permutation():
    X = np.arange(20, dtype=float).reshape(10, 2)
    y = np.arange(10)
    X_tr, y_tr, X_te, y_te = split(X, y, 0.3, np.random.default_rng(0))
    assert len(X_te) == 3 and len(X_tr) == 7
    # Rows stay with their labels and nothing is lost or duplicated.
    np.testing.assert_array_equal(np.sort(np.concatenate([y_tr, y_te])), y)
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)
    again = split(X, y, 0.3, np.random.default_rng(0))
    np.testing.assert_array_equal(again[1], y_tr)
    _, _, X_none, y_none = split(X, y, 0.0, np.random.default_rng(0))
    assert X_none.shape == (0, 2) and y_none.shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "xro"}, r"unknown dataset 'xro'; did you mean 'xor'\? choose one of: xor, and,"),
        ({"name": "zzzzzz"}, r"unknown dataset 'zzzzzz'; choose one of"),
        ({"n_samples": 3}, "n_samples must be between 4 and 100000"),
        ({"n_samples": 100_001}, "n_samples"),
        ({"n_samples": 10.5}, "n_samples must be a whole number"),
        ({"noise": -0.1}, "noise must be a finite number"),
        ({"noise": float("nan")}, "noise"),
        ({"noise": float("inf")}, "noise"),
        ({"classes": 1}, "classes must be between 2 and 10"),
        ({"classes": 11}, "classes"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"test_fraction": -0.1}, "test_fraction"),
        ({"name": "spiral", "classes": 10, "n_samples": 5}, "at least the number of classes"),
    ],
)
def test_load_validation(kwargs, match):
    kwargs = {"name": "circles", **kwargs}
    with pytest.raises(DataError, match=match):
        load(kwargs.pop("name"), **kwargs)


def test_data_error_is_a_value_error():
    with pytest.raises(ValueError):
        load("nope")


def test_name_is_case_insensitive():
    assert load(" XOR ").name == "xor"


# --------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------


def test_targets_binary_column():
    t = targets(np.array([0, 1, 1, 0]), n_outputs=1, n_classes=2)
    assert t.shape == (4, 1) and t.dtype == np.float64
    np.testing.assert_array_equal(t[:, 0], [0.0, 1.0, 1.0, 0.0])


def test_targets_one_hot():
    t = targets(np.array([2, 0, 1]), n_outputs=3, n_classes=3)
    np.testing.assert_array_equal(t, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert t.dtype == np.float64
    assert targets(np.array([0, 1]), 2, 2).shape == (2, 2)


def test_targets_mismatch():
    with pytest.raises(
        DataError, match=r"output layer has 2 units but the data has 3 classes; use 1 unit \(two classes\) or 3"
    ):
        targets(np.array([0, 1, 2]), n_outputs=2, n_classes=3)


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def write(tmp_path, content, name="data.csv"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_csv_with_text_labels(tmp_path):
    path = write(tmp_path, "x1,x2,kind\n0,0,no\n\n0,1,yes\n1,0,yes\n1,1,no\n")
    ds = load_csv(path)
    assert isinstance(ds, Dataset)
    assert ds.name == "data.csv"
    assert ds.feature_names == ("x1", "x2")
    assert ds.class_names == ("no", "yes")
    np.testing.assert_array_equal(ds.labels, [0, 1, 1, 0])
    np.testing.assert_array_equal(ds.X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert ds.X.dtype == np.float64 and not ds.has_test


def test_csv_without_header_and_numeric_labels(tmp_path):
    path = write(tmp_path, "0.5,1,10\n1.5,2,2.5\n2.5,3,10.0\n3.5,4,2\n")
    ds = load_csv(path)
    assert ds.feature_names == ("c1", "c2")
    # Sorted numerically (2 < 2.5 < 10), shown as a person would write them.
    assert ds.class_names == ("2", "2.5", "10")
    np.testing.assert_array_equal(ds.labels, [2, 1, 2, 0])


def test_csv_label_column_by_name_and_bom(tmp_path):
    path = write(tmp_path, "\ufefflabel, a ,b\nx,1,2\ny,3,4\n")
    ds = load_csv(path, label_column="label")
    assert ds.feature_names == ("a", "b")
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])
    assert ds.class_names == ("x", "y")


def test_csv_split_is_seeded(tmp_path):
    rows = "".join(f"{i},{i % 2}\n" for i in range(20))
    path = write(tmp_path, "v,y\n" + rows)
    a = load_csv(path, test_fraction=0.25, seed=1)
    b = load_csv(path, test_fraction=0.25, seed=1)
    assert len(a.X) == 15 and len(a.X_test) == 5
    np.testing.assert_array_equal(a.X_test, b.X_test)


BAD_CSVS = [
    ("empty", "", "is empty"),
    ("blank lines only", "\n\n  \n", "is empty"),
    ("header only", "x1,x2,label\n", "has a header but no data rows"),
    ("ragged", "x1,x2,label\n1,2,a\n3,4,b\n\n5,6\n", "line 5 has 2 cells, expected 3"),
    ("non-numeric", "x1,x2,label\n1,2,a\n3,abc,b\n", r"line 3, column 'x2': 'abc' is not a number"),
    ("nan cell", "x1,x2,label\n1,nan,a\n3,4,b\n", r"line 2, column 'x2': 'nan' is not a finite number"),
    ("inf cell", "x1,x2,label\n1,2,a\n-inf,4,b\n", r"line 3, column 'x1': '-inf' is not a finite"),
    ("empty cell", "x1,x2,label\n1,2,a\n,4,b\n", r"line 3, column 'x1' is empty"),
    ("empty label", "x1,x2,label\n1,2,a\n3,4,\n", r"line 3, column 'label' \(the label\) is empty"),
    ("one class", "x1,x2,label\n1,2,a\n3,4,a\n", r"only one class \('a'\) in column 'label'; need at least 2"),
    ("one column", "label\na\nb\n", "need at least 2"),
    ("no header, hole", "1,,0\n2,3,1\n", r"line 1, column 'c2' is empty"),
    ("unnamed column", ",x,label\n1,2,a\n", "header column 1 has no name"),
    ("non-utf8", b"x1,label\n1,\xff\xfe\n2,b\n", "cannot read .*not UTF-8"),
]


@pytest.mark.parametrize(("content", "match"), [case[1:] for case in BAD_CSVS], ids=[case[0] for case in BAD_CSVS])
def test_bad_csv(tmp_path, content, match):
    with pytest.raises(DataError, match=match):
        load_csv(write(tmp_path, content))


def test_missing_label_column_suggests(tmp_path):
    path = write(tmp_path, "x1,x2,label\n1,2,a\n3,4,b\n")
    with pytest.raises(DataError, match=r"no column 'lable' .*did you mean 'label'\? columns: x1, x2, label"):
        load_csv(path, label_column="lable")


def test_label_column_needs_header(tmp_path):
    with pytest.raises(DataError, match="needs a header row"):
        load_csv(write(tmp_path, "1,2,0\n3,4,1\n"), label_column="label")


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no CSV file at .*nothing.csv"):
        load_csv(tmp_path / "nothing.csv")


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(DataError, match="is a folder, not a CSV file"):
        load_csv(tmp_path)


# Cells that often make valid numbers and labels, so some generated files load.
_cells = st.sampled_from(["0", "1", "2.5", "-3", "a", "b", "", " ", "nan", "inf", "x", '"q,1"', "1e999"])
_csv_text = st.lists(st.lists(_cells, min_size=1, max_size=4).map(",".join), max_size=6).map("\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(), _csv_text))
def test_any_text_loads_or_raises_data_error(tmp_path, text):
    path = tmp_path / "fuzz.csv"
    path.write_text(text, encoding="utf-8", newline="")
    try:
        ds = load_csv(path)
    except DataError:
        return
    assert ds.n_classes >= 2
    assert ds.X.shape == (len(ds.labels), ds.n_features)
    assert np.all(np.isfinite(ds.X))


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=64))
def test_any_bytes_load_or_raise_data_error(tmp_path, data):
    path = tmp_path / "fuzz.bin"
    path.write_bytes(data)
    try:
        load_csv(path)
    except DataError:
        pass
