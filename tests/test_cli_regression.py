"""The command line's regression sets, input features and R² in the JSON."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import run


def run_json(*argv: str) -> dict:
    code, out, err = run("--json", *argv)
    assert code == 0, err
    return json.loads(out)


def test_sine_trains_with_a_linear_output_and_reports_r2():
    doc = run_json(
        "--dataset", "sine", "--hidden", "8", "--optimizer", "adam", "--lr", "0.02", "--epochs", "600",
        "--test-fraction", "0.2",
    )  # fmt: skip
    config = doc["config"]
    assert (config["layers"], config["output_activation"], config["loss"]) == ([1, 8, 1], "linear", "mse")
    assert doc["task"] == "regression" and doc["accuracy"] is None
    assert doc["r2"] >= 0.95 and doc["test_r2"] is not None
    history = doc["r2_history"]
    assert len(history["r2"]) == len(doc["history"]["loss"]) == 601
    assert history["r2"][-1] == doc["r2"] and history["r2"][0] < 0
    first = doc["predictions"][0]
    assert set(first) == {"index", "input", "target", "output"} and isinstance(first["target"][0], float)


def test_sincos_and_the_summary_line():
    code, out, err = run("--headless", "--dataset", "sincos", "--epochs", "3", "--lr", "0.05")
    assert code == 0, err
    assert "R² " in out and "accuracy" not in out and "error" in out


def test_classification_json_has_no_regression_fields():
    doc = run_json("--dataset", "xor", "--epochs", "2")
    assert "r2" not in doc and "task" not in doc and isinstance(doc["accuracy"], float)


def test_class_losses_are_refused_for_float_targets():
    code, _, err = run("--headless", "--dataset", "sine", "--loss", "bce", "--epochs", "1")
    assert code == 2 and "--loss" in err and "float targets" in err


def test_features_reach_the_network_and_are_named():
    doc = run_json(
        "--dataset", "circles", "--features", "x1^2,x2^2", "--hidden", "none", "--lr", "0.5", "--epochs", "500",
    )  # fmt: skip
    assert doc["config"]["features"] == ["x1^2", "x2^2"]
    assert doc["config"]["layers"] == [2, 1]
    assert doc["dataset"]["features"] == ["x1²", "x2²"]
    assert doc["accuracy"] >= 0.95


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (("--dataset", "iris", "--features", "x1^2"), "--features: input features need data with 2 inputs"),
        (("--dataset", "circles", "--features", "x3"), "--features: unknown input feature 'x3'"),
        (("--dataset", "circles", "--features", ","), "--features: give at least one"),
    ],
)
def test_bad_features_are_one_line(argv, fragment):
    code, _, err = run("--headless", "--epochs", "1", *argv)
    assert code == 2 and fragment in err and err.count("\n") == 1


def test_csv_with_float_labels_is_regression(tmp_path):
    path = tmp_path / "floats.csv"
    path.write_text("a,y\n" + "".join(f"{i / 10},{(i / 10) ** 2 + 0.125}\n" for i in range(20)))
    doc = run_json("--csv", str(path), "--epochs", "5", "--lr", "0.05")
    assert doc["task"] == "regression" and doc["config"]["loss"] == "mse"


def test_help_documents_the_new_options():
    code, out, _ = run("--help")
    assert code == 0 and "--features" in out and "sine" in out and "sincos" in out
