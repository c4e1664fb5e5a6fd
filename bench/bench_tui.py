"""How much the screen costs training: epochs per second in run mode against
a plain trainer loop on the same XOR network, the redraw rate, and the time
from launch to the first frame.

    python bench/bench_tui.py [--seconds 3] [--repeats 3] [--long-epochs 2000000]

Then, once: a long run of --long-epochs epochs of XOR 2-4-1 in run mode, with
the memory the app and the training child grew by per epoch beyond the scalar
history (32 bytes an epoch, held once, by the app), the pause after it and the
time a `b` (back one epoch) takes; and the pause of a network whose one epoch
takes seconds (2-4096-4096-4096-1 full batch), where the epoch in flight is given up.

`--issue15` runs only issue 15's app rows instead (bench/README.md says
exactly what each interval is): space to the frame it causes on XOR 2-4-1
and on spiral 2-32-32-3 (200 samples), each against the same app with the
step a no-op; launch to first frame in a pseudo-terminal, against a bare
Textual app; ctrl+o of a 20 MB session to the redrawn screen.

Targets: run mode keeps at least 70% of the headless rate while redrawing at
least 8 times a second; the first frame comes in under a second. Medians of
`--repeats` runs are printed. The app runs headless (run_test), so the figure
includes building every frame but not the terminal's own drawing. The app
trains in a child process (tui/training_process.py), so its rate is read
from the snapshots it receives: the epochs between the first and the last
snapshot of the timed window over the time between them. On a shared
machine the ratio is noisy (other load slows the headless baseline and the
app differently): compare runs at a similar load average.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import gc
import os
import statistics
import subprocess
import sys
import time

import numpy as np
from textual import events

from model import Config, Trainer

# A bigger network whose snapshots weigh megabytes: what pausing costs when
# the trainer that comes back is not small.
SPIRAL = Config(
    dataset="spiral",
    samples=600,
    classes=3,
    layers=(2, 32, 32, 3),
    activation="relu",
    output_activation="softmax",
    loss="ce",
    mode="minibatch",
    batch_size=32,
    optimizer="adam",
    lr=0.01,
    max_epochs=10**9,
)
SPIRAL_NAME = "spiral 2-32-32-3 Adam"

FIRST_FRAME = r"""
import os
import time
start = float({start!r})
from tui.app import BackpropApp

class Timed(BackpropApp):
    def on_mount(self):
        self.call_after_refresh(self.first_frame)  # queued ahead of anything the app defers
        super().on_mount()

    def first_frame(self):
        os.write(1, f"{{time.monotonic() - start}}\n".encode())  # the app captures print
        self.exit()

Timed().run(headless=True, size=(120, 40))
"""


# Issue 15's rows: a key press to the frame it causes, on a small and a wider network.
SPIRAL_200 = Config(
    dataset="spiral",
    samples=200,
    classes=3,
    layers=(2, 32, 32, 3),
    activation="relu",
    output_activation="softmax",
    loss="ce",
    max_epochs=10**9,
)
FOOTER_MARKER = b"Step"  # a key's description in the footer, not elsewhere on the first screen
SYNC_QUERY, SYNC_ANSWER, SYNC_END = b"\x1b[?2026$p", b"\x1b[?2026;2$y", b"\x1b[?2026l"
BARE_APP = r"""
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("epoch 0")

Bare().run()
"""


def headless_rate(seconds: float) -> float:
    """Epochs per second of a bare `Trainer.step()` loop."""
    trainer = Trainer.from_config(Config())
    start = time.perf_counter()
    end = start + seconds
    while time.perf_counter() < end:
        for _ in range(100):
            trainer.step()
    return trainer.epoch / (time.perf_counter() - start)


async def key_latency(app, key: str, changed) -> float:
    """Seconds from a key arriving to the app having acted on it."""
    start = time.perf_counter()
    app.post_message(events.Key(key, key))
    while not changed():
        await asyncio.sleep(0.0005)
    return time.perf_counter() - start


async def app_rates(seconds: float) -> tuple[float, float, float, float, float]:
    """(epochs/s, redraws/s, worst key latency in s, share of a core the UI
    thread used, seconds to pause) with the app running."""
    from tui.app import BackpropApp
    from tui.widgets.hyperparameters import HyperparameterForm
    from tui.widgets.loss_chart import LossChart

    class Timed(BackpropApp):
        """Notes when each snapshot arrives (Textual calls both handlers)."""

        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self.stamps: list[tuple[float, int]] = []  # (arrival time, epoch)

        def on_training_progress(self, message) -> None:
            self.stamps.append((time.perf_counter(), message.record.epoch))

    gc.collect()  # as in a process of its own: no garbage from the apps before
    app = Timed(config=Config(max_epochs=10**9))  # no stop condition within the timing
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.query(HyperparameterForm):  # mounted just after the first frame
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        chart = app.query_one(LossChart)
        await key_latency(app, "r", lambda: app.running)
        await asyncio.sleep(0.5)  # the child process starts on the first run
        # Rates first, untouched: probing keys costs the UI thread too.
        redraws0 = app.redraws
        start, ui0 = time.perf_counter(), time.thread_time()
        app.stamps.clear()
        await asyncio.sleep(seconds)
        (t0, e0), (t1, e1) = app.stamps[0], app.stamps[-1]
        redraws = app.redraws - redraws0
        elapsed, ui = time.perf_counter() - start, time.thread_time() - ui0
        latencies = []
        for _ in range(10):
            log = chart.log_scale
            # l toggles the chart's scale: a key the app answers while training.
            latencies.append(await key_latency(app, "l", lambda: chart.log_scale != log))
            await asyncio.sleep(0.13)
        pause = await key_latency(app, "r", lambda: app.state != "running")
        return (e1 - e0) / (t1 - t0), redraws / elapsed, max(latencies), ui / elapsed, pause


async def pause_seconds(config, seconds: float) -> float:
    """From r (pause) to paused, after a run of `seconds`: the child sends its
    trainer back, carrying only the arrays the app does not hold yet."""
    from tui.app import BackpropApp

    gc.collect()
    app = BackpropApp(config=config, show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await key_latency(app, "r", lambda: app.running)
        await asyncio.sleep(seconds)
        return await key_latency(app, "r", lambda: app.state != "running")


def frame_clock(**kwargs):
    """The app, noting when each frame is finished: after the compositor has
    rendered the changed regions and they have been turned into the text a
    terminal would be sent (headless, Textual skips that step; only writing
    it to a terminal is left out)."""
    from textual._compositor import CompositorUpdate

    from tui.app import BackpropApp

    class FrameClock(BackpropApp):
        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self.frames: list[float] = []
            self.cpu: list[float] = []  # the UI thread's CPU time at each frame

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if renderable is not None:
                if isinstance(renderable, CompositorUpdate):
                    renderable.render_segments(self.console)
                self.frames.append(time.perf_counter())
                self.cpu.append(time.thread_time())

    return FrameClock(**kwargs)


async def quiet(app, seconds: float = 0.15) -> None:
    """Until the app has drawn no frame for `seconds` (it has drawn all a key caused)."""
    while True:
        await asyncio.sleep(0.005)
        last = app.frames[-1] if app.frames else 0.0
        if time.perf_counter() - last > seconds and not app.screen._dirty_widgets:
            return


async def step_to_frame(config, steps: int, noop: bool = False) -> list[tuple[float, float]]:
    """Seconds from a space (step one epoch) reaching the app to the last frame it
    causes: the frame in which every panel on screen shows the new epoch (a
    panel drawn after the first frame counts, so the figure cannot hide work).
    `noop`: the same with the trainer's step doing nothing (the app still
    redraws every panel): what the screen alone costs. Each as (wall seconds,
    CPU seconds of the UI thread over the same interval): on a shared machine
    the CPU time says what the app costs, the wall time what a person waits."""
    app = frame_clock(config=config)
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        from tui.widgets.hyperparameters import HyperparameterForm

        while not app.query(HyperparameterForm):
            await pilot.pause(0.05)
        # The training process starts after the first frame (for the first run):
        # its imports take a core for a second or two; then the screen settles.
        while app.run_control.process_pid is None:
            await pilot.pause(0.05)
        await asyncio.sleep(2.0)
        await quiet(app, 0.3)
        trainer, stepped = app.trainer, []
        step = trainer.step

        def counted() -> None:
            stepped.append(True)
            if not noop:
                step()

        trainer.step = counted
        for _ in range(steps):
            epoch = app.trainer.epoch
            start, cpu = time.perf_counter(), time.thread_time()
            app.post_message(events.Key("space", " "))
            while not stepped:  # the key has reached its action
                await asyncio.sleep(0.001)
            stepped.clear()
            await quiet(app)
            assert noop or app.trainer.epoch == epoch + 1, "the step did not happen"
            assert app.frames[-1] > start, "no frame after the key"
            times.append((app.frames[-1] - start, app.cpu[-1] - cpu))
    return times


def pty_first_frame(argv: list[str], marker: bytes = b"epoch") -> float:
    """Seconds from starting `argv` in a pseudo-terminal of 120x40 to the end of
    the first frame that contains `marker`. The terminal answers that it
    supports synchronized output, as most do, so each frame ends with a mark."""
    import fcntl
    import pty
    import select
    import signal
    import struct
    import termios

    start = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.environ["TERM"] = "xterm-256color"
        os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    out, answered = b"", False
    try:
        while time.monotonic() - start < 30:
            if not select.select([fd], [], [], 0.5)[0]:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            out += data
            if not answered and SYNC_QUERY in out:
                os.write(fd, SYNC_ANSWER)
                answered = True
            at = out.find(marker)
            if at >= 0 and out.find(SYNC_END, at) >= 0:
                return time.monotonic() - start
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    raise RuntimeError(f"no frame with {marker!r} from {argv}")


def session_file(folder: str, rows: int = 850_000) -> str:
    """A session of about 20 MB: a 2-4-1 network trained 10 epochs on `rows` samples."""
    from model.session import save_session

    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    data = os.path.join(folder, "big.csv")
    np.savetxt(
        data, np.column_stack([X, y]), fmt=["%.6f", "%.6f", "%d"], delimiter=",", header="x1,x2,label", comments=""
    )
    trainer = Trainer.from_config(Config(dataset="csv", csv_path=data, layers=(2, 4, 1)))
    trainer.run(10)
    path = os.path.join(folder, "big-session.npz")
    save_session(trainer, path)
    return path


async def open_to_frame(path: str) -> tuple[float, float]:
    """(to the frame, to the deferred figures): seconds from the Enter that opens
    `path` (ctrl+o's dialog) to the first frame whose stats line shows the
    loaded epoch, and to the last frame once the Outputs tab shows it too."""
    from textual.widgets import Input

    from tui.format import fixed_int
    from tui.screens.file_dialog import FileDialog

    app = frame_clock(show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await quiet(app, 0.3)
        await pilot.press("ctrl+o")
        while not isinstance(app.screen, FileDialog):
            await pilot.pause(0.01)
        app.screen.query_one("#file-path", Input).value = path
        await quiet(app)
        shown, frames = [], app.frames
        start = time.perf_counter()
        app.screen._submit()  # as Enter does; Pilot's press would wait for idle
        loaded = fixed_int(10, 6)
        while not shown:
            await asyncio.sleep(0.001)
            if (
                app.stats_bar.fields.get("epoch") == loaded
                and app.trainer.data.n_features == 2
                and not app.screen.is_modal
            ):
                count = len(frames)
                while len(frames) == count:  # the next frame drawn shows it
                    await asyncio.sleep(0.001)
                shown.append(frames[-1] - start)
        await quiet(app, 0.3)
        return shown[0], frames[-1] - start


def issue15_rows(repeats: int) -> bool:
    """Issue 15's app rows: step to frame (two networks, each against the
    same app with the step a no-op), launch to first frame (against a bare
    Textual app), ctrl+o of a 20 MB session. Medians of `repeats`."""
    import tempfile

    med = statistics.median

    def ms(values) -> str:
        return f"{1000 * med(values):6.1f} ms (each: {', '.join(f'{1000 * v:.0f}' for v in values)})"

    ok = True
    print(f"Issue 15, app rows, 120x40, medians of {repeats} (load average {os.getloadavg()[0]:.1f}):")
    for name, config, target in (
        ("XOR 2-4-1", Config(max_epochs=10**9), 0.04),
        ("spiral 2-32-32-3, 200 samples", SPIRAL_200, 0.08),
    ):
        steps, noops = [], []
        for _ in range(repeats):  # alternating: the step, then the no-op step
            with np.errstate(all="ignore"):
                steps += asyncio.run(step_to_frame(config, 5))
                noops += asyncio.run(step_to_frame(config, 5, noop=True))
        trainer = Trainer.from_config(config)
        start = time.thread_time()
        for _ in range(100):
            trainer.step()
        engine = (time.thread_time() - start) / 100
        walls, cpus = [w for w, _ in steps], [c for _, c in steps]
        print(f"  space to frame, {name:30} {ms(walls)}  (target <= {1000 * target:.0f} ms)")
        print(f"    UI thread CPU over it                {ms(cpus)}")
        print(
            f"    same, step a no-op {1000 * med(w for w, _ in noops):6.1f} ms (CPU "
            f"{1000 * med(c for _, c in noops):.1f} ms); the step alone {1000 * engine:.2f} ms"
        )
        ok = ok and med(walls) <= target
    # As an installed app starts: from bytecode (pip writes it; a checkout run
    # with PYTHONDONTWRITEBYTECODE would compile every changed module each launch).
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for package in ("tui", "model"):
        compileall.compile_dir(os.path.join(root, package), quiet=1)
    launch, footer, bare = [], [], []
    for _ in range(repeats):
        launch.append(pty_first_frame([sys.executable, "-m", "tui"]))
        footer.append(pty_first_frame([sys.executable, "-m", "tui"], marker=FOOTER_MARKER))
        bare.append(pty_first_frame([sys.executable, "-c", BARE_APP]))
    print(
        f"  launch to first frame (python -m tui, pty) {med(launch):5.2f} s "
        f"(each: {', '.join(f'{v:.2f}' for v in launch)}; target <= 0.5)"
    )
    print(f"    to the frame with the footer's keys    {med(footer):5.2f} s (drawn after the first frame)")
    print(f"    a bare Textual app, same way           {med(bare):5.2f} s")
    ok = ok and med(launch) <= 0.5
    with tempfile.TemporaryDirectory() as folder:
        path = session_file(folder)
        size = os.path.getsize(path) / 1e6
        opens = [asyncio.run(open_to_frame(path)) for _ in range(repeats)]
    first, last = [o[0] for o in opens], [o[1] for o in opens]
    print(f"  ctrl+o of a {size:.1f} MB session to the frame {ms(first)}  (target <= 500 ms)")
    print(f"    to the last frame (deferred figures)  {ms(last)}")
    ok = ok and med(first) <= 0.5
    return ok


def rss_bytes(pid: int | str = "self") -> int:
    """Resident memory of a process (Linux)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


async def long_run(epochs: int) -> dict[str, float]:
    """Run XOR in run mode for `epochs` epochs; memory per epoch, then pause and back latency."""
    from tui.app import BackpropApp

    gc.collect()
    app = BackpropApp(config=Config(max_epochs=10**9), show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await key_latency(app, "r", lambda: app.running)
        while app.shown.epoch < 20_000:
            await asyncio.sleep(0.05)
        pid = app.run_control.process_pid
        epoch0, app0, child0 = app.shown.epoch, rss_bytes(), rss_bytes(pid)
        start = time.perf_counter()
        while app.shown.epoch < epochs:
            await asyncio.sleep(0.2)
        seconds = time.perf_counter() - start
        epoch1, app1, child1 = app.shown.epoch, rss_bytes(), rss_bytes(pid)
        pause = await key_latency(app, "r", lambda: not app.running)
        await pilot.pause(0.5)
        backs = []
        for _ in range(5):
            before = app.trainer.epoch
            backs.append(
                await key_latency(app, "b", lambda: app.trainer.epoch == before - 1 and app.shown is app.trainer.record)
            )
            await pilot.pause(0.1)
        grown = epoch1 - epoch0
        return {
            "epochs": float(app.trainer.epoch),
            "rate": grown / seconds,
            "app": (app1 - app0) / grown,
            "child": (child1 - child0) / grown,
            "pause": pause,
            "back": statistics.median(backs),
            "back_worst": max(backs),
        }


async def slow_epoch_pause(layers=(2, 4096, 4096, 4096, 1)) -> tuple[float, float]:
    """(seconds one epoch takes here, seconds from r to paused) for a network
    whose epochs take seconds: the pause gives up the epoch in flight."""
    from tui.app import BackpropApp

    config = Config(layers=layers, max_epochs=10**9, lr=0.01)
    trainer = Trainer.from_config(config)
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        trainer.step()
    epoch_seconds = time.perf_counter() - start
    trainer.rewind(0)
    gc.collect()
    app = BackpropApp(trainer=trainer, show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await key_latency(app, "r", lambda: app.running)
        while app.shown.epoch < 2:  # the child has started and trains
            await asyncio.sleep(0.05)
        await asyncio.sleep(epoch_seconds / 2)  # mid-epoch
        return epoch_seconds, await key_latency(app, "r", lambda: not app.running)


def first_frame_seconds() -> float:
    """From starting a fresh interpreter to the app's first painted frame."""
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME.format(start=start)],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each timed run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (the median is printed)")
    parser.add_argument("--long-epochs", type=int, default=2_000_000, help="epochs of the long run (0: skip it)")
    parser.add_argument("--issue15", action="store_true", help="only the rows of issue 15 (step, first frame, ctrl+o)")
    args = parser.parse_args(argv)
    if args.issue15:
        print("  all targets met" if issue15_rows(args.repeats) else "  some targets missed")
        return 0

    headless, running, redraws, latency, busy, frames, pauses, spiral = [], [], [], [], [], [], [], []
    for _ in range(args.repeats):
        # The headless rate just before and just after: the machine may be shared.
        before = headless_rate(args.seconds)
        with np.errstate(all="ignore"):
            rate, draw, worst, ui, pause = asyncio.run(app_rates(args.seconds))
            spiral.append(asyncio.run(pause_seconds(SPIRAL, args.seconds)))
        pauses.append(pause)
        headless.append((before + headless_rate(args.seconds)) / 2)
        running.append(rate)
        redraws.append(draw)
        latency.append(worst)
        busy.append(ui)
        frames.append(first_frame_seconds())

    h, r = statistics.median(headless), statistics.median(running)
    d, k, f = statistics.median(redraws), statistics.median(latency), statistics.median(frames)
    share = statistics.median(a / b for a, b in zip(running, headless))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"XOR 2-4-1, full batch, {args.repeats} runs of {args.seconds:g} s, medians (load average {load}):")
    print(f"  headless trainer loop   {h:12,.0f} epochs/s")
    print(f"  app in run mode         {r:12,.0f} epochs/s  ({share:.0%} of headless; target >= 70%)")
    print(f"  redraws while running   {d:12.1f} per s     (target >= 8)")
    print(f"  UI thread busy          {statistics.median(busy):12.0%}          (of one core; training has the other)")
    print(f"  worst key latency       {1000 * k:12.0f} ms        (target < 100)")

    def spread(values):
        return f"(each: {', '.join(f'{1000 * v:.0f}' for v in values)})"

    print(
        f"  pause (r) while running {1000 * statistics.median(pauses):12.0f} ms        (target < 100) {spread(pauses)}"
    )
    print(f"  pause, {SPIRAL_NAME} {1000 * statistics.median(spiral):6.0f} ms        (target < 100) {spread(spiral)}")
    print(f"  launch to first frame   {f:12.2f} s         (target < 1)")
    ok = share >= 0.7 and d >= 8 and f < 1 and max(k, statistics.median(pauses), statistics.median(spiral)) < 0.1
    if args.long_epochs:
        with np.errstate(all="ignore"):
            long = asyncio.run(long_run(args.long_epochs))
            epoch_seconds, slow_pause = asyncio.run(slow_epoch_pause())
        print(f"After {long['epochs']:,.0f} epochs of XOR 2-4-1 in run mode ({long['rate']:,.0f} epochs/s):")
        print(f"  app memory per epoch    {long['app']:12.1f} bytes     (the scalar history is 32)")
        print(f"  child memory per epoch  {long['child']:12.1f} bytes")
        beyond = long["app"] + long["child"] - 32
        print(f"  beyond the history      {beyond:12.1f} bytes     (target <= 48)")
        print(f"  pause (r)               {1000 * long['pause']:12.0f} ms        (target < 150)")
        print(
            f"  back one epoch (b)      {1000 * long['back']:12.0f} ms        (target < 50; worst of 5: "
            f"{1000 * long['back_worst']:.0f})"
        )
        print(
            f"  pause mid-epoch, 2-4096-4096-4096-1 ({epoch_seconds:.1f} s an epoch) "
            f"{1000 * slow_pause:6.0f} ms (target < 150)"
        )
        ok = ok and beyond <= 48 and long["pause"] < 0.15 and long["back"] < 0.05 and slow_pause < 0.15
    print("  all targets met" if ok else "  some targets missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
