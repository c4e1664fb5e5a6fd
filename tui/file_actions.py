"""Files in the app: save and open sessions, export, train on your own CSV.

A mixin of BackpropApp, apart from app.py so that the app stays about
training. Every file is read and written by the engine (model.session,
model.exports, model.script_export, model.datasets); this module only asks
for paths and reports. A file that cannot be used becomes an error
notification with the engine's reason, and the run on screen is left as it
was: a session is loaded into a new trainer, and swapped in only on success.

Files are read off the UI thread (a thread worker, `_read_in_background`):
a large CSV or session shows its progress after a moment, and escape
cancels it; a FIFO or a device is refused by the reader before any wait.
Before a save, the target is checked (`check_target`): a name too long or a
target that is not a regular file is refused before anything is written.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

from model import BackpropError, Config, EpochRecord, Trainer
from model.datasets import load_csv
from model.plurals import plural
from tui.messages import HyperparametersChanged
from tui.screens.confirm import ConfirmScreen

# Imported on first use, not before the app's first frame (issue 15): writing
# files (model.atomic_write), reading them (model.safe_read), sessions
# (model.session, with json and zipfile) and the file dialog.

if TYPE_CHECKING:
    from textual.app import App

    from tui.run_control import RunController
    from tui.screens.file_dialog import FileAnswer, FileDialog

    _AppBase = App[None]
else:
    _AppBase = object

SESSION_DEFAULT = "backprop-session.npz"
SHOW_PROGRESS_AFTER = 1.0  # seconds: a quick read never flashes a dialog (pushing one costs the reader time)

# id -> (name, what it writes); the order of the export menu.
EXPORTS: dict[str, tuple[str, str]] = {
    "loss_csv": ("Loss history CSV", "every epoch's train and test loss and accuracy"),
    "weights": ("Weights .npz", "W and b of the current epoch (load with --weights)"),
    "screenshot": ("SVG screenshot", "the screen as it is now"),
    "script": ("Python script", "a standalone NumPy program that trains this network from scratch"),
}


def file_dialog(*args: Any, **kwargs: Any) -> FileDialog:
    """The file dialog (tui/screens/file_dialog.py), its module imported on first use."""
    from tui.screens.file_dialog import FileDialog

    return FileDialog(*args, **kwargs)


def resolve(text: str) -> str:
    """The absolute path of what the user typed (~ expanded), for reading,
    writing and saying where."""
    return os.path.abspath(os.path.expanduser(text.strip()))


class FileActions(_AppBase):
    """Actions save_session, open_session, export, export_* and open_csv.

    A mixin of the app (tui/app.py). For the type checker it is an App, and
    what it needs of this app in particular is declared here, not reached
    for: the trainer, run control, and the few moves below.
    """

    trainer: Trainer
    run_control: RunController

    if TYPE_CHECKING:

        def _when_paused(self, move: Callable[[], object]) -> None: ...

        def _use_trainer(self, trainer: Trainer) -> None: ...

        def _start(self, target: int | None) -> None: ...

        def _set_state(self, state: str, detail: str = "") -> None: ...

        def _redraw(self, record: object = None) -> None: ...

        def mark_saved(self) -> None: ...

        def _freeze_once(self) -> None: ...

        @property
        def shown(self) -> EpochRecord: ...

    _session_path: str | None = None  # the last session saved or opened
    file_reads = 0  # reads running in background workers (tests wait for 0)

    def remember_session(self, path: str) -> None:
        """The file this run came from (`backprop-tui FILE`): what ctrl+s offers first."""
        self._session_path = resolve(path)

    # ---------------------------------------------------------------- common

    def _file_error(self, message: str) -> None:
        """Every failure is shown, even the same one twice (unlike _error, which
        deduplicates the worker's repeated reports)."""
        self.notify(message, severity="error", title="File", markup=False)

    def _dialog_open(self) -> bool:
        return self.screen.is_modal

    def _ask_to_replace(self, path: str, then: Callable[[], object], known: bool = False) -> None:
        """Run `then`, after asking first if it would replace a file the user did not pick before."""
        if known or not os.path.isfile(path):
            then()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.push_screen(ConfirmScreen(f"{path} exists. Replace it?", yes="Replace", no="Cancel"), answered)

    def _unsafe_target(self, path: str) -> bool:
        """Refuse (with a notification) a save target that cannot be written safely."""
        from model.atomic_write import check_target
        from model.safe_read import os_reason

        try:
            check_target(path)
        except OSError as exc:
            self._file_error(f"cannot write {path}: {os_reason(exc)}")
            return True
        return False

    def _read_in_background(
        self,
        path: str,
        read: Callable[[Callable[[int, int], bool]], Any],
        done: Callable[[Any], None],
        failed: Callable[[str], str],
    ) -> None:
        """Run `read(progress)` in a thread worker; then `done(result)` on the UI thread,
        or a notification `failed(reason)`. Nothing on screen changes until `done`."""
        # The app's own objects out of the collector's sight first: a full
        # collection over them, set off by what the read builds, slowed one
        # opening of a large session in four (docs/decisions.md).
        self._freeze_once()
        cancel = threading.Event()
        from tui.screens.reading import ReadingScreen  # not before the first frame, nor the first read

        screen = ReadingScreen(path, cancel)
        shown = threading.Event()

        def show() -> None:
            if not finished.is_set() and not cancel.is_set():
                shown.set()
                self.push_screen(screen)

        finished = threading.Event()
        timer = self.set_timer(SHOW_PROGRESS_AFTER, show)
        self.file_reads += 1

        def progress(read_bytes: int, total: int) -> bool:
            if shown.is_set() and not cancel.is_set():
                self.call_from_thread(screen.advance, read_bytes, total)
            return not cancel.is_set()

        def finish(result: Any, error: str | None) -> None:
            finished.set()
            timer.stop()
            self.file_reads -= 1
            if shown.is_set() and not cancel.is_set() and screen.is_attached:
                screen.dismiss(None)
            if cancel.is_set():
                self.notify(f"Stopped reading {path}; nothing changed.", title="File", markup=False)
            elif error is not None:
                self._file_error(failed(error))
            else:
                done(result)

        from model.safe_read import Cancelled

        def work() -> None:
            result, error = None, None
            try:
                result = read(progress)
            except Cancelled:
                pass
            except BackpropError as exc:
                error = str(exc)
            except MemoryError:
                error = f"{path} is too large: not enough memory"
            except Exception as exc:  # noqa: BLE001 - a reader bug must not take the app down
                error = f"{type(exc).__name__}: {exc}"
            self.call_from_thread(finish, result, error)

        self.run_worker(work, thread=True, group="file-read", name=f"read {path}")

    # -------------------------------------------------------------- sessions

    def action_save_session(self) -> None:
        if self._dialog_open():
            return
        if self.run_control.busy:  # the epoch on screen is saved: the run pauses first
            self._when_paused(self.action_save_session)
            return
        self.push_screen(
            file_dialog(
                "Save the session",
                self._session_path or SESSION_DEFAULT,
                action="Save",
                hint="Everything: settings, weights, history, rewind points and data. Open it with ctrl+o "
                "or `backprop-tui FILE`.",
            ),
            self._save_session_answer,
        )

    def _save_session_answer(self, answer: FileAnswer | None) -> None:
        if answer is None:
            return
        path = resolve(answer.path)
        if self._unsafe_target(path):
            return
        self._ask_to_replace(path, partial(self._write_session, path), known=path == self._session_path)

    def _write_session(self, path: str) -> None:
        if self.run_control.busy:
            self._when_paused(partial(self._write_session, path))
            return
        from model.session import save_session

        try:
            save_session(self.trainer, path)
        except BackpropError as exc:
            self._file_error(str(exc))
            return
        except MemoryError:
            self._file_error(f"not enough memory to save the session to {path}")
            return
        self._session_path = path
        self.mark_saved()
        self.notify(f"Saved the session at epoch {self.trainer.epoch} to {path}", title="Saved", markup=False)

    def action_open_session(self) -> None:
        if self._dialog_open():
            return
        self.push_screen(
            file_dialog("Open a session", self._session_path or SESSION_DEFAULT, action="Open"),
            self._open_session_answer,
        )

    def _open_session_answer(self, answer: FileAnswer | None) -> None:
        if answer is None:
            return
        path = resolve(answer.path)
        from model.session import load_session

        # A new trainer, read off the UI thread: the one on screen is not touched.
        self._read_in_background(
            path,
            lambda progress: load_session(path, progress=progress),
            partial(self._session_read, path),
            lambda reason: reason,
        )

    def _session_read(self, path: str, trainer: Trainer) -> None:
        epochs = self.trainer.last_epoch
        if epochs == 0 and not self.trainer.branches:
            self._use_session(trainer, path)
            return
        self.push_screen(
            ConfirmScreen(
                f"Open {path}? The run on screen ({plural(epochs, 'epoch')}) will be replaced; "
                "save it first (ctrl+s) to keep it.",
                yes="Open",
                no="Keep this run",
            ),
            lambda yes: self._use_session(trainer, path) if yes else None,
        )

    def _use_session(self, trainer: Trainer, path: str) -> None:
        if self.run_control.busy:
            self._when_paused(partial(self._use_session, trainer, path))
            return
        self._use_trainer(trainer)
        if trainer.divergence is not None:
            self._set_state("diverged", str(trainer.divergence))
            self._redraw()
        self._session_path = path
        self.mark_saved()
        cfg = trainer.config
        self.notify(
            f"Opened {path}: epoch {trainer.epoch} (recorded up to {trainer.last_epoch}), "
            f"network {'-'.join(map(str, cfg.layers))} on {trainer.data.name}",
            title="Session",
            markup=False,
        )

    # --------------------------------------------------------------- exports

    def action_export(self) -> None:
        if self._dialog_open():
            return
        choices = [(key, name, what) for key, (name, what) in EXPORTS.items()]
        from tui.screens.export_menu import ExportMenu

        self.push_screen(ExportMenu(choices), lambda key: self._ask_export(key) if key else None)

    def action_export_loss_csv(self) -> None:
        self._ask_export("loss_csv")

    def action_export_weights(self) -> None:
        self._ask_export("weights")

    def action_export_screenshot(self) -> None:
        self._ask_export("screenshot")

    def action_export_script(self) -> None:
        self._ask_export("script")

    def _export_default(self, kind: str) -> str:
        epoch = self.shown.epoch
        return {
            "loss_csv": "loss-history.csv",
            "weights": f"weights-epoch{epoch}.npz",
            "screenshot": f"backprop-epoch{epoch}.svg",
            "script": "backprop_from_scratch.py",
        }[kind]

    def _ask_export(self, kind: str) -> None:
        name, what = EXPORTS[kind]
        self.push_screen(
            file_dialog(f"Export: {name}", self._export_default(kind), action="Export", hint=f"Writes {what}."),
            lambda answer: self._export_answer(kind, answer),
        )

    def _export_answer(self, kind: str, answer: FileAnswer | None) -> None:
        if answer is None:
            return
        path = resolve(answer.path)
        if self._unsafe_target(path):
            return
        # After the dialog has gone, so that a screenshot shows the app, not the dialog.
        self._ask_to_replace(path, lambda: self.call_after_refresh(self._export, kind, path))

    def _export(self, kind: str, path: str, resume: bool = False, target: int | None = None) -> None:
        """Write export `kind` to `path`; a file of the trainer waits for a run to
        pause (the epoch on screen is written) and `resume`s it after."""
        if kind != "screenshot" and self.run_control.busy:
            self._when_paused(partial(self._export, kind, path, self.run_control.running, self.run_control.target))
            return
        from model.atomic_write import write_atomically
        from model.exports import export_weights, loss_history_csv  # not before the first frame
        from model.script_export import write_standalone_script

        name = EXPORTS[kind][0]
        try:
            if kind == "screenshot":
                svg = self.export_screenshot().encode("utf-8")
                write_atomically(path, lambda f: f.write(svg))
                done = f"Saved a screenshot to {path}"
            else:
                try:
                    epoch = self.trainer.epoch
                    if kind == "loss_csv":
                        rows = loss_history_csv(self.trainer, path)
                        done = f"Wrote {plural(rows, 'epoch')} of loss history to {path}"
                    elif kind == "weights":
                        export_weights(self.trainer, path)
                        done = f"Wrote the weights of epoch {epoch} to {path}"
                    elif self.trainer.data.is_regression:  # the script's targets are one-hot classes
                        raise BackpropError("the standalone script trains classifiers; this run is a regression")
                    else:
                        write_standalone_script(self.trainer, path)
                        done = f"Wrote a standalone script to {path}; run it with python"
                finally:
                    if resume:
                        self._start(target)
        except BackpropError as exc:
            self._file_error(str(exc))
            return
        except OSError as exc:
            self._file_error(f"cannot write {path}: {exc.strerror or exc}")
            return
        self.notify(done, title=name, markup=False)

    # ------------------------------------------------------------- own data

    def action_open_csv(self) -> None:
        if self._dialog_open():
            return
        cfg = self.trainer.config
        self.push_screen(
            file_dialog(
                "Train on a CSV file",
                cfg.csv_path or "",
                action="Load",
                hint="A header row, numeric feature columns and one label column (numbers or names). "
                "The network's input and output layers follow the file.",
                option="Label column, optional (tab reaches it; empty: the last column):",
                option_placeholder=cfg.label_column or "last column",
            ),
            self._open_csv_answer,
        )

    def _open_csv_answer(self, answer: FileAnswer | None) -> None:
        if answer is None:
            return
        from model.architecture import choose_architecture
        from model.features import DEFAULT_FEATURES

        old = self.trainer.config
        path = resolve(answer.path)
        label = answer.option or None

        def read(progress: Callable[[int, int], bool]) -> tuple[Config, Trainer | None]:
            data = load_csv(path, label_column=label, test_fraction=old.test_fraction, seed=old.seed, progress=progress)
            # Keep the hidden layers and their activation; the ends follow the file.
            floats = data.is_regression  # float targets: one linear unit with MSE
            arch = choose_architecture(
                data.n_features,
                data.n_classes,
                truth_table=False,
                hidden=old.layers[1:-1],
                activation=old.activation,
                output_activation="linear" if floats else None,
                loss="mse" if floats else None,
            )
            # The file's own columns are the inputs: input features (of x1, x2) start again from the default.
            new = old.replace(dataset="csv", csv_path=path, label_column=label, features=DEFAULT_FEATURES, **arch)
            return new, (None if new == old else Trainer(new, data))  # built here: the UI thread never reads the file

        failed = f"Cannot train on {path}: {{}}".format
        self._read_in_background(path, read, partial(self._csv_read, path, old), failed)

    def _csv_read(self, path: str, old: Config, result: tuple[Config, Trainer | None]) -> None:
        new, trainer = result
        if trainer is None:
            self.notify(f"Already training on {path} with these settings.", title="CSV", markup=False)
            return
        if self.trainer.config != old:
            # The settings changed while the file was read: go the form's way (it asks and rebuilds).
            self.post_message(HyperparametersChanged(new, "dataset"))
            return
        epochs = self.trainer.last_epoch
        if epochs == 0 and not self.trainer.branches:
            self._use_csv_trainer(trainer)
            return
        self.push_screen(
            ConfirmScreen(
                f"Train on {path}? The run on screen ({plural(epochs, 'epoch')}) will be replaced; "
                "save it first (ctrl+s) to keep it.",
                yes="Train on it",
                no="Keep this run",
            ),
            lambda yes: self._use_csv_trainer(trainer) if yes else None,
        )

    def _use_csv_trainer(self, trainer: Trainer) -> None:
        self._use_trainer(trainer)
        cfg = trainer.config
        self.notify(f"New network {'-'.join(map(str, cfg.layers))} on {cfg.csv_path}", title="Rebuilt", markup=False)
        if trainer.data.is_regression:
            self.notify(
                "Its labels are numbers with fractions: a regression (linear output, MSE, R² for accuracy).",
                title="CSV",
                markup=False,
            )

    # ------------------------------------------------------- command palette

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Each export as its own command (the keys' commands come from the app)."""
        yield from super().get_system_commands(screen)
        for kind, (name, what) in EXPORTS.items():
            yield SystemCommand(
                f"Export {name}", f"Asks for a file name, then writes {what}.", partial(self._ask_export, kind)
            )
