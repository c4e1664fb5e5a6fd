"""Run control's transitions and queueing rules, without a screen or a child
process: the host records what the controller asks of it, and the tests
play the relay's messages by hand."""

from __future__ import annotations

import pytest

from model import Config, Trainer
from model.training_loop import Ending, RunOutcome
from tui.messages import RunEnded, TrainingProgress
from tui.run_control import MAX_QUEUED, PACES, RunController, RunState
from tui.training_process import RunResult


class Host:
    def __init__(self) -> None:
        self.trainer = Trainer.from_config(Config())
        self.messages: list = []

    def post_message(self, message) -> bool:
        self.messages.append(message)
        return True


@pytest.fixture
def control():
    host = Host()
    controller = RunController(host, threaded=False)  # requests are kept, not carried out
    host.workers = controller.requests
    yield controller, host
    controller.close()


def progress(controller: RunController) -> TrainingProgress:
    return TrainingProgress(controller.run_id, None, 100.0)


def ended(controller: RunController, ending: Ending = Ending.STOPPED, trainer=None) -> RunEnded:
    return RunEnded(controller.run_id, RunResult(RunOutcome(ending, ""), trainer))


def test_a_run_goes_through_its_states_and_starts_one_worker(control):
    controller, host = control
    assert controller.state is RunState.PAUSED and not controller.busy
    controller.start(None)
    assert controller.state is RunState.STARTING and controller.busy and controller.running
    assert len(host.workers) == 1
    assert controller.progress_arrived(progress(controller))
    assert controller.state is RunState.RUNNING
    assert controller.stop()
    assert controller.state is RunState.STOPPING and controller.busy and not controller.running
    assert not controller.progress_arrived(progress(controller))  # not drawn once stopping
    assert controller.run_ended(ended(controller)) is not None
    assert controller.state is RunState.PAUSED


@pytest.mark.parametrize(
    ("ending", "state"),
    [
        (Ending.DONE, RunState.DONE),
        (Ending.DIVERGED, RunState.DIVERGED),
        (Ending.REACHED, RunState.PAUSED),
        (Ending.ERROR, RunState.PAUSED),
        (Ending.STOPPED, RunState.PAUSED),
    ],
)
def test_the_end_of_a_run_sets_the_state_it_ended_in(control, ending, state):
    controller, _ = control
    controller.start(5)
    controller.run_ended(ended(controller, ending))
    assert controller.state is state


def test_messages_of_an_older_run_are_ignored(control):
    controller, _ = control
    controller.start(None)
    old = ended(controller)
    controller.stop()
    controller.run_ended(ended(controller))
    controller.start(None)
    assert controller.run_ended(old) is None and controller.state is RunState.STARTING
    assert not controller.progress_arrived(TrainingProgress(old.run_id, None, 1.0))


def test_moves_wait_for_the_run_in_order_and_the_first_move_stops_it(control):
    controller, _ = control
    done = []
    assert controller.when_paused(lambda: done.append("now"))
    assert done == ["now"]  # nothing running: at once
    controller.start(None)
    assert controller.when_paused(lambda: done.append("step"))
    assert controller.state is RunState.STOPPING and done == ["now"]
    assert controller.when_paused(lambda: done.append("back"))
    assert controller.queued == 2
    controller.run_ended(ended(controller))
    controller.play_queue()
    assert done == ["now", "step", "back"] and controller.queued == 0


def test_the_queue_stops_at_a_move_that_starts_a_run(control):
    controller, host = control
    done = []
    controller.start(None)
    controller.when_paused(lambda: controller.start(10), starts_run=True)
    controller.when_paused(lambda: done.append("after"))
    controller.run_ended(ended(controller))
    controller.play_queue()
    assert controller.state is RunState.STARTING and controller.target == 10 and done == []
    assert len(host.workers) == 2
    controller.run_ended(ended(controller, Ending.REACHED))
    controller.play_queue()
    assert done == ["after"]


def test_step_many_during_a_step_many_run_waits_without_stopping_it(control):
    controller, _ = control
    controller.start(10)
    assert controller.after_run(lambda: controller.start(20))
    assert controller.state is RunState.STARTING  # not stopped
    controller.run_ended(ended(controller, Ending.REACHED))
    controller.play_queue()
    assert controller.state is RunState.STARTING and controller.target == 20


def test_run_pause_toggles_and_drops_waiting_runs(control):
    controller, _ = control
    started = []
    controller._start = lambda target: started.append(target)
    controller.start(None)
    controller.after_run(lambda: started.append("queued run"), starts_run=True)
    controller.after_run(lambda: started.append("queued move"), starts_run=False)
    controller.toggle()  # r while running: pause, and drop the runs waiting
    assert controller.state is RunState.STOPPING and controller.queued == 1
    controller.toggle()  # r while pausing: run again afterwards ...
    controller.toggle()  # ... no, stay paused
    controller.toggle()  # ... yes, run
    assert controller.queued == 2
    controller.run_ended(ended(controller))
    controller.play_queue()
    assert started == ["queued move", None]


def test_the_queue_is_bounded(control):
    controller, _ = control
    controller.start(None)
    for _ in range(MAX_QUEUED):
        assert controller.when_paused(lambda: None)
    assert not controller.when_paused(lambda: None)
    assert not controller.after_run(lambda: None)
    assert controller.queued == MAX_QUEUED


def test_the_pace_steps_through_the_offered_paces_and_stops_at_the_ends(control):
    controller, _ = control
    assert controller.pace is None  # as fast as it can
    assert controller.set_pace(+1) is None
    assert [controller.set_pace(-1) for _ in PACES[:-1]] == [1000.0, 100.0, 20.0, 5.0, 2.0, 1.0]
    assert controller.set_pace(+1) == 2.0


def test_close_ends_everything_and_refuses_new_runs(control):
    controller, host = control
    controller.start(None)
    controller.when_paused(lambda: None)
    controller.close()
    assert controller.closed and controller.queued == 0
    controller.start(None)
    assert len(host.workers) == 1


def test_slower_than_the_slowest_pace_plays_phases(control):
    controller, _ = control
    for _ in PACES[:-1]:
        controller.set_pace(-1)
    assert controller.pace == 1.0 and not controller.play_phases
    controller.set_pace(-1)
    assert controller.play_phases and controller.pace == 1.0
    controller.set_pace(-1)  # there is nothing slower
    assert controller.play_phases
    controller.set_pace(+1)
    assert not controller.play_phases and controller.pace == 1.0
