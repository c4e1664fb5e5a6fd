"""The CSV loader's fast paths (whole blocks split in C, whole columns checked at once)
must agree with its cell-by-cell path on every input: the same data, or the same message.

A header written with quotes sends the whole file through the csv module, and with
_fast_chunk switched off every cell is checked on its own; the same file with a plain
header takes the fast paths.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model.csv_data as csv_data
from model.datasets import load_csv
from model.errors import DataError

cells = st.sampled_from(
    ["0", "1", "2.5", "-3", " 4 ", "1e3", "1e999", "1_000", "\u0663", "", "a", "b", "nan", ".5", "5."]
)
rows = st.lists(st.lists(cells, min_size=3, max_size=3).map(",".join), min_size=1, max_size=12)
endings = st.sampled_from(["\n", "\r\n", "\r"])


def outcome(path):
    try:
        ds = load_csv(path)
    except DataError as exc:
        return str(exc).replace(str(path), "FILE")
    return ds.X.tobytes(), ds.labels.tolist(), ds.class_names, ds.feature_names


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=rows, blank=st.lists(st.integers(0, 12), max_size=2), end=endings, block=st.sampled_from([16, 64, 1 << 20]))
def test_fast_and_careful_paths_agree(tmp_path, monkeypatch, body, blank, end, block):
    monkeypatch.setattr(csv_data, "BLOCK_BYTES", block)  # small blocks: many block boundaries
    lines = list(body)
    for at in blank:
        lines.insert(min(at, len(lines)), "")
    text = end.join(lines) + end
    plain = tmp_path / "plain.csv"
    plain.write_bytes(("a,b,y" + end + text).encode())
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(('"a","b","y"' + end + text).encode())
    fast = outcome(plain)
    monkeypatch.setattr(csv_data, "fast_chunk", lambda rows, cols: None)  # and no whole-column shortcut
    assert fast == outcome(quoted)


def test_a_quote_after_the_first_block_switches_paths_with_the_right_line(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_data, "BLOCK_BYTES", 64)
    rows = [f"{i},{i % 3},{i % 2}" for i in range(40)]
    rows[30] = '30,"x",1'
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    try:
        load_csv(path)
    except DataError as exc:
        assert "line 32, column 'b': 'x' is not a number" in str(exc)
    else:
        raise AssertionError("accepted")
    rows[30] = '30,"7",1'
    path.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    np.testing.assert_array_equal(load_csv(path).X[30], [30, 7])
