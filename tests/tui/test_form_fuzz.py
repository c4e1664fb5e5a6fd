"""Arbitrary text in every field of the hyperparameter form never raises and
never leaves the form holding an invalid configuration.

One app serves every example (mounting the form is the slow part): the
fixture keeps it running and each example starts by resetting the form, so
examples stay independent and Hypothesis can shrink a failure.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.widgets import Input, Select, Switch

from model import Config
from model.config import CHOICES, DATASET_CHOICES
from tui.messages import HyperparametersChanged
from tui.widgets.hyperparameters import INPUTS, SWITCHES, HyperparameterForm, field_text

START = Config()


class FormApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.posted: list[HyperparametersChanged] = []

    def compose(self) -> ComposeResult:
        yield HyperparameterForm(START)

    def on_hyperparameters_changed(self, message: HyperparametersChanged) -> None:
        self.posted.append(message)


@pytest.fixture
async def running():
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        yield app, pilot


# Text a person might type: numbers in many spellings, layer lists, words,
# and anything at all (control characters, other scripts, huge exponents).
number_text = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e999", "-0", "0.0", "1_000", " 3 ", "0x10", "²", "١٢", "nan", "inf", "1e-320"]),
)
layer_text = st.lists(st.integers(-3, 5000), min_size=0, max_size=14).map(lambda sizes: ",".join(str(n) for n in sizes))
# Digits of other scripts and superscripts pass str.isdigit() but not always int().
digit_soup = st.text(alphabet="0123456789,-x .e²³١٢٣", max_size=20)
any_text = st.text(max_size=40)
field_texts = st.one_of(number_text, layer_text, digit_soup, any_text)

edit = st.one_of(
    # The last item: commit by Enter (mostly) or by leaving the field (slower to drive).
    st.tuples(st.just("input"), st.sampled_from(INPUTS), field_texts, st.sampled_from([True, True, True, False])),
    st.tuples(st.just("select"), st.sampled_from(sorted(CHOICES)), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("switch"), st.sampled_from(sorted(SWITCHES)), st.booleans(), st.booleans()),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(every=st.fixed_dictionaries({name: field_texts for name in INPUTS}), edits=st.lists(edit, max_size=8))
@example(every={name: "2,²,1" for name in INPUTS}, edits=[("select", "output_activation", 3, True)])
# Two commits queued before the form reads the first: the first one's tidy
# read-back ("1327.0") must not overwrite the refused text typed after it.
@example(every={name: "0" for name in INPUTS}, edits=[("input", "lr", "1327", True), ("input", "lr", "0", True)])
# The same for a choice: a refused one ("ce" with a sigmoid output) snaps back
# only if nothing was chosen after it.
@example(every={name: "0" for name in INPUTS}, edits=[("select", "loss", 2, False), ("select", "loss", 0, False)])
@example(every={"layers": "744"}, edits=[("select", "dataset", DATASET_CHOICES.index("digits"), False)])
async def test_any_text_in_any_field_keeps_a_valid_config(running, every, edits):
    app, pilot = running
    form = app.query_one(HyperparameterForm)
    form.set_config(START)
    await pilot.pause()
    app.posted.clear()

    async def commit_input(name: str, text: str, by_enter: bool) -> None:
        field = app.query_one(f"#field-{name}", Input)
        if by_enter:
            field.value = text
            await field.action_submit()
        else:  # leaving the field commits it too
            field.focus()
            await pilot.pause()
            field.value = text
            form.focus()
            await pilot.pause()

    for name, text in every.items():
        await commit_input(name, text, by_enter=True)
    await pilot.pause()
    for kind, name, value, how in edits:
        if kind == "input":
            await commit_input(name, value, how)
        elif kind == "select":
            app.query_one(f"#field-{name}", Select).value = CHOICES[name][value % len(CHOICES[name])]
        else:
            app.query_one(f"#field-{name}", Switch).value = value
    await pilot.pause()

    assert app.is_running and getattr(app, "_exception", None) is None
    config = form.config
    assert isinstance(config, Config)
    assert Config.from_dict(config.to_dict()) == config  # a valid, complete configuration
    # Every posted config was valid and new, and the last one is the form's.
    previous = START
    for message in app.posted:
        assert Config.from_dict(message.config.to_dict()) == message.config
        assert message.config != previous
        previous = message.config
    assert previous == config
    # Each field either shows the value in force or is marked with its reason.
    for name in INPUTS:
        field = app.query_one(f"#field-{name}", Input)
        if name in form.errors:
            # Refused text stays for the user to fix; it is never the value in force.
            assert field.has_class("-invalid") and form.errors[name]
            assert field.value != field_text(config, name)
        else:
            assert not field.has_class("-invalid")
            assert field.value == field_text(config, name)
    for name in CHOICES:
        assert app.query_one(f"#field-{name}", Select).value == getattr(config, name)
    for name in SWITCHES:
        assert app.query_one(f"#field-{name}", Switch).value == getattr(config, name)
