"""Sessions, exports and own CSV data in the app (ctrl+s, ctrl+o, x, c),
driven headless with Pilot and checked against the files the engine reads
back and against the trainer's own arrays.

Every bad file must leave the run on screen untouched: the same trainer
object, the same epoch, the same weights.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from pilot_helpers import wait_for, wait_for_screen
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList

from model import Config, Trainer
from model.session import load_session, save_session
from model.weights_file import load_weights, save_weights
from tui.app import EXPLAIN, BackpropApp
from tui.file_actions import EXPORTS, SESSION_DEFAULT
from tui.format import fixed, fixed_int
from tui.screens.confirm import ConfirmScreen
from tui.screens.export_menu import ExportMenu
from tui.screens.file_dialog import FileDialog
from tui.widgets.hyperparameters import HyperparameterForm
from tui.widgets.stats_bar import StatsBar

SIZE = (80, 24)


# ---------------------------------------------------------------- helpers


def notes(app: BackpropApp, severity: str | None = None) -> list[str]:
    return [n.message for n in app.__dict__.get("notes_log", []) if severity is None or n.severity == severity]


async def answer_dialog(pilot: Pilot, path: str | Path, option: str | None = None) -> None:
    """Type a path (and the optional second field) into the open file dialog, then enter."""
    await wait_for_screen(pilot, FileDialog)
    await pilot.pause()
    dialog = pilot.app.screen
    field = dialog.query_one("#file-path", Input)
    await wait_for(pilot, lambda: pilot.app.focused is field)  # enter goes to the focused widget
    field.value = str(path)
    if option is not None:
        dialog.query_one("#file-option", Input).value = option
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, FileDialog))
    await wait_for(pilot, lambda: pilot.app.file_reads == 0)  # files are read in a worker
    await pilot.pause()


async def confirm(pilot: Pilot, yes: bool) -> None:
    await wait_for_screen(pilot, ConfirmScreen)
    await pilot.press("y" if yes else "n")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, ConfirmScreen))
    await pilot.pause()


def table_numbers(app: BackpropApp, table_id: str) -> list[list[str]]:
    table = app.query_one(table_id, DataTable)
    return [[str(cell)[:8] for cell in table.get_row_at(i)] for i in range(table.row_count)]


def weights_text(W: np.ndarray, b: np.ndarray) -> list[list[str]]:
    """What the weights table must show for W and b, formatted independently."""
    return [[fixed(float(x)) for x in row] for row in np.vstack([W, b[None, :]])]


def moons_session(path: Path) -> Trainer:
    """A saved run unlike the app's default: other data and width, 9 epochs
    recorded, rewound to 6."""
    t = Trainer.from_config(Config(dataset="moons", samples=40, layers=(2, 6, 1), activation="tanh", seed=3))
    t.run(9)
    t.rewind(6)
    save_session(t, path)
    return t


# --------------------------------------------------------------- sessions


async def test_ctrl_s_saves_a_session_that_loads_back_equal(tmp_path):
    app = BackpropApp(show_form=False)
    target = tmp_path / "run.npz"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "space", "b")
        await pilot.pause()
        assert (app.trainer.epoch, app.trainer.last_epoch) == (2, 3)
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, FileDialog)
        # The default name, in the current directory.
        assert app.screen.query_one("#file-path", Input).value == SESSION_DEFAULT
        await answer_dialog(pilot, target)
        assert target.is_file()
        assert any(f"epoch 2 to {target}" in n for n in notes(app))

        loaded = load_session(target)
        assert (loaded.epoch, loaded.last_epoch) == (2, 3)
        assert loaded.config == app.trainer.config
        np.testing.assert_array_equal(loaded.params, app.trainer.params)
        for name in ("loss", "test_loss", "accuracy", "test_accuracy"):
            np.testing.assert_array_equal(loaded.history.series(name), app.trainer.history.series(name))
        # It carries on exactly as the app's run does.
        loaded.step()
        await pilot.press("space")
        await pilot.pause()
        np.testing.assert_array_equal(loaded.params, app.trainer.params)

        # The next save offers the same file and replaces it without asking.
        before = target.stat().st_mtime_ns
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, FileDialog)
        assert app.screen.query_one("#file-path", Input).value == str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.stat().st_mtime_ns != before)
        assert load_session(target).epoch == 3

        # A path that cannot be written: an error, and no file.
        await pilot.press("ctrl+s")
        await answer_dialog(pilot, tmp_path / "no-such-folder" / "run.npz")
        assert any("No such file or directory" in n for n in notes(app, "error"))
        assert not (tmp_path / "no-such-folder").exists()

        # Escape cancels without writing anything.
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, FileDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FileDialog)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


def bad_files(tmp_path: Path) -> list[tuple[Path, str]]:
    """(file, what the error must say) for files that are not usable sessions."""
    good = tmp_path / "good.npz"
    moons_session(good)
    data = good.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.npz"  # a whole archive whose contents were overwritten
    middle = len(data) // 3
    garbage.write_bytes(data[:middle] + bytes(200) + data[middle + 200 :])
    weights = tmp_path / "weights.npz"
    save_weights(weights, [np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)])
    return [
        (cut, "cut short"),
        (garbage, "damaged"),
        (weights, "is a weights file, not a session"),
        (tmp_path / "missing.npz", "no session file at"),
    ]


async def test_ctrl_o_refuses_bad_files_and_changes_nothing(tmp_path):
    files = bad_files(tmp_path)
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space")
        await pilot.pause()
        trainer = app.trainer
        params = trainer.params.copy()
        shown = table_numbers(app, "#weights-0")
        for path, reason in files:
            before = notes(app, "error")
            await pilot.press("ctrl+o")
            await answer_dialog(pilot, path)
            errors = notes(app, "error")
            assert errors and str(path) in errors[-1] and reason in errors[-1], (path, errors[-1:])
            # Every refusal is shown, even two alike in a row (older ones may have timed out meanwhile).
            assert len(errors) > len([e for e in before if e in errors]), (path, before, errors)
            assert app.trainer is trainer and trainer.epoch == 2
            np.testing.assert_array_equal(trainer.params, params)
            assert not isinstance(app.screen, ConfirmScreen)
        assert table_numbers(app, "#weights-0") == shown
        assert app.query_one(StatsBar).fields["epoch"] == fixed_int(2, 6)


async def test_ctrl_o_swaps_in_a_good_session_after_asking(tmp_path):
    path = tmp_path / "moons.npz"
    saved = moons_session(path)
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        # Mount the form, then hide it: it must follow the swap even when hidden
        # (and a hidden form costs nothing to draw under each dialog).
        await pilot.press("h", "escape", "h", "space")
        await pilot.pause()
        form = app.query_one(HyperparameterForm)
        assert not app.query_one("#side").display and form.config == Config()
        old = app.trainer

        # Trained epochs would be lost: asked first; "no" keeps the run.
        await pilot.press("ctrl+o")
        await answer_dialog(pilot, path)
        await confirm(pilot, yes=False)
        assert app.trainer is old and old.epoch == 1

        await pilot.press("ctrl+o")
        await answer_dialog(pilot, path)
        await confirm(pilot, yes=True)
        t = app.trainer
        assert t is not old
        assert (t.epoch, t.last_epoch) == (6, 9) and t.config == saved.config
        np.testing.assert_array_equal(t.params, saved.params)
        # The screen shows the session: its epoch, its 2-6-1 weights, its settings.
        assert app.query_one(StatsBar).fields["epoch"] == fixed_int(6, 6)
        assert app.query_one(StatsBar).fields["loss"] == fixed(saved.record.loss)
        assert table_numbers(app, "#weights-0") == weights_text(saved.record.W[0], saved.record.b[0])
        assert form.config == saved.config
        assert any(f"Opened {path}: epoch 6" in n for n in notes(app))
        # It carries on as the saved run would have (replaying its recorded future).
        await pilot.press("space")
        await pilot.pause()
        reference = load_session(path)
        reference.step()
        np.testing.assert_array_equal(app.trainer.params, reference.params)
        # The next save offers the file it came from.
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, FileDialog)
        assert app.screen.query_one("#file-path", Input).value == str(path)
        await pilot.press("escape")


# ---------------------------------------------------------------- exports


async def choose_export(pilot: Pilot, kind: str) -> None:
    await pilot.press("x")
    await wait_for_screen(pilot, ExportMenu)
    options = pilot.app.screen.query_one(OptionList)
    options.highlighted = list(EXPORTS).index(kind)
    await pilot.press("enter")


async def test_each_export_writes_its_file(tmp_path):
    app = BackpropApp(config=Config(dataset="moons", samples=40, test_fraction=0.25, layers=(2, 5, 1)), show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["space"] * 4)
        await pilot.pause()
        t = app.trainer
        assert t.epoch == 4

        # Loss history: the header, one row per recorded epoch, the engine's figures exactly.
        await choose_export(pilot, "loss_csv")
        await wait_for_screen(pilot, FileDialog)
        assert app.screen.query_one("#file-path", Input).value == "loss-history.csv"
        await answer_dialog(pilot, tmp_path / "loss.csv")
        await wait_for(pilot, lambda: (tmp_path / "loss.csv").exists())
        assert notes(app)[-1] == f"Wrote 5 epochs of loss history to {tmp_path / 'loss.csv'}"
        rows = list(csv.reader((tmp_path / "loss.csv").open()))
        assert rows[0] == ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"]
        assert len(rows) == 1 + 5
        for epoch, row in enumerate(rows[1:]):
            assert int(row[0]) == epoch
            assert float(row[1]) == t.history.series("loss")[epoch]
            assert float(row[2]) == t.history.series("test_loss")[epoch]
            assert float(row[3]) == t.history.series("accuracy")[epoch]

        # Weights of the current epoch.
        await choose_export(pilot, "weights")
        await wait_for_screen(pilot, FileDialog)
        assert app.screen.query_one("#file-path", Input).value == "weights-epoch4.npz"
        await answer_dialog(pilot, tmp_path / "w.npz")
        await wait_for(pilot, lambda: (tmp_path / "w.npz").exists())
        assert notes(app)[-1] == f"Wrote the weights of epoch 4 to {tmp_path / 'w.npz'}"
        W, b = load_weights(tmp_path / "w.npz")
        for l in range(2):
            np.testing.assert_array_equal(W[l], t.record.W[l])
            np.testing.assert_array_equal(b[l], t.record.b[l])

        # Screenshot of the app (not of the dialog).
        await choose_export(pilot, "screenshot")
        await answer_dialog(pilot, tmp_path / "screen.svg")
        await wait_for(pilot, lambda: (tmp_path / "screen.svg").exists())
        assert notes(app)[-1] == f"Saved a screenshot to {tmp_path / 'screen.svg'}"
        svg = (tmp_path / "screen.svg").read_text()
        assert svg.startswith("<svg") and "Layers" in svg and "Export" not in svg

        # Standalone script: there and valid Python (running it is tested in tests/model).
        await choose_export(pilot, "script")
        await answer_dialog(pilot, tmp_path / "train.py")
        await wait_for(pilot, lambda: (tmp_path / "train.py").exists())
        compile((tmp_path / "train.py").read_text(), "train.py", "exec")
        assert notes(app)[-1].startswith(f"Wrote a standalone script to {tmp_path / 'train.py'}")
        assert not notes(app, "error")

        # An existing file is replaced only after asking: "no" leaves it alone.
        before = (tmp_path / "w.npz").read_bytes()
        await pilot.press("space")
        await choose_export(pilot, "weights")
        await answer_dialog(pilot, tmp_path / "w.npz")
        await confirm(pilot, yes=False)
        assert (tmp_path / "w.npz").read_bytes() == before

        # While running: the run hands over the epoch on screen, is written, and goes on.
        await pilot.press("r")
        await wait_for(pilot, lambda: app.shown.epoch > 30)
        await choose_export(pilot, "weights")
        await answer_dialog(pilot, tmp_path / "running.npz")
        await wait_for(pilot, lambda: (tmp_path / "running.npz").exists())
        epoch = int(notes(app)[-1].split("epoch ")[1].split()[0])
        assert epoch > 30 and app.running
        await pilot.press("r")
        W, _ = load_weights(tmp_path / "running.npz")
        t = app.trainer
        t.rewind(epoch)
        np.testing.assert_array_equal(W[0], t.record.W[0])

        # Every export is also its own command in the palette.
        titles = {c.title: c for c in app.get_system_commands(app.screen)}
        for name, _ in EXPORTS.values():
            assert f"Export {name}" in titles
        app.call_later(titles["Export Python script"].callback)  # as the palette runs it: in the app
        await wait_for_screen(pilot, FileDialog)
        assert app.screen.query_one("#file-path", Input).value == "backprop_from_scratch.py"
        await pilot.press("escape")


def test_new_keys_are_in_help_and_palette():
    app = BackpropApp(show_form=False)
    help_rows = {name: (keys, text) for keys, name, text in app.key_help()}
    for binding_id, name in [
        ("save_session", "Save session"),
        ("open_session", "Open session"),
        ("export", "Export"),
        ("open_csv", "Open CSV data"),
    ]:
        assert binding_id in EXPLAIN and help_rows[name][1] == EXPLAIN[binding_id]
    assert help_rows["Save session"][0] == app.get_key_display(app.BINDINGS[0].with_key("ctrl+s"))
    assert help_rows["Export"][0] == "x" and help_rows["Open CSV data"][0] == "c"


# ----------------------------------------------------------- own CSV data


def write_csv(path: Path, n: int = 24) -> np.ndarray:
    """Three features, labels 'hi'/'lo' by the sign of their sum; returns X."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(n, 3)).round(4)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["a", "b", "c", "kind"])
        for row in X:
            out.writerow([*row, "hi" if row.sum() > 0 else "lo"])
    return X


BAD_CSV = [
    ("a,b,kind\n1,2,x\n3,oops,y\n", "", "line 3, column 'b': 'oops' is not a number"),
    ("a,b,kind\n1,2,x\n3,4,y\n", "label", "'label'"),
]


async def test_a_bad_csv_shows_the_reason_and_changes_nothing(tmp_path):
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await pilot.pause()
        trainer, config = app.trainer, app.trainer.config
        for i, (text, label, reason) in enumerate(BAD_CSV):
            path = tmp_path / f"data{i}.csv"
            path.write_text(text)
            await pilot.press("c")
            await answer_dialog(pilot, path, label)
            errors = notes(app, "error")
            assert len(errors) == i + 1 and str(path) in errors[-1] and reason in errors[-1], errors
            assert app.trainer is trainer and trainer.config == config and trainer.epoch == 1
            assert not isinstance(app.screen, ConfirmScreen)
        # A file that is not there.
        await pilot.press("c")
        await answer_dialog(pilot, tmp_path / "missing.csv")
        assert "no CSV file at" in notes(app, "error")[-1] and app.trainer is trainer


async def test_a_good_csv_rebuilds_after_confirmation(tmp_path):
    path = tmp_path / "three.csv"
    X = write_csv(path)
    app = BackpropApp(show_form=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space")
        await pilot.pause()
        old = app.trainer
        await pilot.press("c")
        await answer_dialog(pilot, path, "kind")
        await confirm(pilot, yes=True)
        t = app.trainer
        assert t is not old and t.epoch == 0
        cfg = t.config
        assert (cfg.dataset, cfg.csv_path, cfg.label_column) == ("csv", str(path), "kind")
        # Inputs and outputs follow the file; the hidden layer and its activation stay.
        assert cfg.layers == (3, 4, 1) and cfg.activation == old.config.activation
        assert (cfg.output_activation, cfg.loss) == ("sigmoid", "bce")
        np.testing.assert_array_equal(t.data.X, X)
        assert t.data.class_names == ("hi", "lo")
        assert table_numbers(app, "#weights-0") == weights_text(t.record.W[0], t.record.b[0])
        assert len(table_numbers(app, "#weights-0")) == 3 + 1
        # The same file and settings again: nothing to rebuild.
        await pilot.press("c")
        await answer_dialog(pilot, path, "kind")
        assert app.trainer is t and not isinstance(app.screen, ConfirmScreen)
