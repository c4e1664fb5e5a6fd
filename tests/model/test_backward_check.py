"""The check: the bug catalogue is its test suite. Every lab bug's learner file
is named as that bug at the right layer and quantity; correct files in every
accepted convention pass; unusable files get a one-line reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model import Config, Trainer
from model.backward_check import EXIT_AGREES, EXIT_DISAGREES, EXIT_UNUSABLE, check_file
from model.bugs import BUGS
from model.learner_template import template

FILES = Path(__file__).resolve().parent.parent / "learner_files"
C221 = Config(layers=(2, 2, 1), activation="sigmoid", output_activation="sigmoid", loss="mse", lr=0.1)
C232 = Config(layers=(2, 3, 2), activation="sigmoid", output_activation="softmax", loss="ce", lr=0.1)

# bug -> (the quantity that first differs, its layer)
WHERE = {
    "disconnected_hidden": ("dz", 1),
    "derivative_twice": ("dz", 1),
    "derivative_at_a": ("dz", 1),
    "missing_bias_update": ("b updated", 1),
    "bce_delta_mse_loss": ("dz", 2),
    "mse_no_factor_2": None,  # a convention: harmless, exit 0, but named
    "wrong_transpose": ("dW", 1),
    "accumulated_gradients": ("dW (2nd call)", 2),
    "softmax_no_max": ("a (logits near 800)", 2),
    "updated_weights_backward": ("dz", 1),
    "lr_sign_flipped": ("W updated", 1),
}


def trainer(config: Config = C221) -> Trainer:
    return Trainer.from_config(config)


def test_every_lab_bug_has_a_learner_file_and_an_expected_place():
    assert set(WHERE) == set(BUGS)
    for name in BUGS:
        assert (FILES / f"bug_{name}.py").is_file()


@pytest.mark.parametrize("name", sorted(BUGS))
def test_check_names_each_lab_bug_at_its_layer_and_quantity(name):
    config = C232 if name == "softmax_no_max" else C221
    report = check_file(str(FILES / f"bug_{name}.py"), trainer(config))
    assert report.reason is None
    assert report.bug == name
    if WHERE[name] is None:
        assert report.status == EXIT_AGREES and any("mse_no_factor_2" in c for c in report.conventions)
    else:
        assert report.status == EXIT_DISAGREES
        assert (report.first.quantity, report.first.layer) == WHERE[name]
        assert report.explanation


@pytest.mark.parametrize(
    "name, convention",
    [
        ("correct_221_mean.py", "batch-mean"),
        ("correct_221_summed.py", "summed loss"),
        ("correct_221_transposed.py", "transposed"),
        ("correct_221_bias_row.py", "(1, n)"),
    ],
)
def test_correct_files_in_each_convention_pass_and_say_which(name, convention):
    report = check_file(str(FILES / name), trainer())
    assert report.status == EXIT_AGREES, (report.first, report.explanation)
    assert report.bug is None
    assert any(convention in c for c in report.conventions), report.conventions
    assert all(row.agrees for row in report.rows)


def test_the_softmax_template_passes_and_survives_large_logits():
    report = check_file(str(FILES / "correct_232_softmax.py"), trainer(C232))
    assert report.status == EXIT_AGREES
    assert any(row.quantity == "z" for row in report.rows)


@pytest.mark.parametrize(
    "sizes, hidden, output, loss",
    [
        ((2, 4, 1), "tanh", "sigmoid", "bce"),
        ((2, 3, 3, 2), "relu", "softmax", "ce"),
        ((2, 2, 1), "leaky_relu", "linear", "mse"),
        ((2, 3, 2), "tanh", "softmax", "mse"),
        ((2, 1), "sigmoid", "sigmoid", "bce"),
    ],
)
def test_the_template_for_other_architectures_passes(tmp_path, sizes, hidden, output, loss):
    config = Config(layers=sizes, activation=hidden, output_activation=output, loss=loss, lr=0.2)
    path = tmp_path / "mine.py"
    path.write_text(template(sizes, hidden, output, loss, 0.2))
    report = check_file(str(path), trainer(config), epochs=20)
    assert report.status == EXIT_AGREES, (report.first, report.explanation, report.epochs)


def test_the_classic_write_up_loop_passes_ten_thousand_epochs():
    np.random.seed(42)
    W1, W2 = np.random.randn(2, 2), np.random.randn(2, 1)
    from model.parameters import Layout

    params = Layout((2, 2, 1)).flatten([W1, W2], [np.zeros(2), np.zeros(1)])
    t = Trainer.from_config(C221, params)
    report = check_file(str(FILES / "classic_221_writeup.py"), t, epochs=10_000)
    assert report.status == EXIT_AGREES, (report.first, report.explanation, report.epochs)
    assert report.epochs is not None and report.epochs.epochs == 10_000 and report.epochs.parted_at is None
    assert report.epochs.engine_lr == pytest.approx(0.1 * 4 / 2)  # summed, without the 2
    assert report.bug == "mse_no_factor_2"


def test_a_bug_in_the_loop_parts_the_runs_at_the_first_epoch():
    report = check_file(str(FILES / "bug_missing_bias_update.py"), trainer(), epochs=50)
    assert report.epochs is not None and report.epochs.parted_at == 1
    assert report.epochs.where.startswith("b")


@pytest.mark.parametrize(
    "name, words",
    [
        ("unusable_hang.py", "did not finish within"),
        ("unusable_crash.py", "KeyError"),
        ("unusable_exit.py", "stopped the interpreter"),
        ("unusable_print.py", "not a dict"),
        ("unusable_flood.py", "printed more than"),
        ("unusable_wrong_shape.py", "shape (1, 2)"),
        ("unusable_syntax.py", "syntax error at line 1"),
        ("unusable_missing.py", "no function backward"),
        ("no_such_file.py", "no such file"),
    ],
)
def test_unusable_files_get_one_line_and_exit_two(name, words):
    report = check_file(str(FILES / name), trainer(), timeout=3.0)
    assert report.status == EXIT_UNUSABLE
    assert words in report.reason and "\n" not in report.reason
    assert "Traceback" not in report.reason


def test_the_crash_reason_points_at_the_learners_line():
    report = check_file(str(FILES / "unusable_crash.py"), trainer())
    assert "(line 15)" in report.reason


def test_a_bugged_trainer_is_checked_against_the_verified_engine():
    bugged = Trainer.from_config(C221, bug=BUGS["derivative_twice"])
    assert check_file(str(FILES / "correct_221_mean.py"), bugged).status == EXIT_AGREES


def test_a_float32_run_is_checked_in_float64_at_its_weights():
    t32 = Trainer.from_config(C221.replace(dtype="float32"))
    assert check_file(str(FILES / "correct_221_mean.py"), t32).status == EXIT_AGREES
