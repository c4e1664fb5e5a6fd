"""Pilot tests: the form fits the network to the data and greys what does
not apply (issue 14, item 6)."""

from __future__ import annotations

from textual.widgets import Input, Select

from model import Config
from tests.tui.pilot_helpers import form_of, wait_for
from tui.app import BackpropApp

SIZE = (120, 40)


async def test_spiral_then_three_classes_rebuilds_with_three_outputs():
    app = BackpropApp(Config(), show_form=True)
    async with app.run_test(size=SIZE) as pilot:
        form = await form_of(pilot)
        greyed = {row.id for row in app.query(".-not-applicable")}
        assert {"row-samples", "row-noise", "row-classes", "row-momentum"} <= greyed  # a truth table has 4 rows

        app.query_one("#field-dataset", Select).value = "spiral"
        await wait_for(pilot, lambda: app.trainer.config.dataset == "spiral")
        assert not app.query_one("#row-samples").has_class("-not-applicable")
        assert not app.query_one("#row-classes").has_class("-not-applicable")

        classes = app.query_one("#field-classes", Input)
        classes.value = "3"
        await classes.action_submit()
        await wait_for(pilot, lambda: app.trainer.config.classes == 3)
        assert not form.errors
        assert app.trainer.layout.sizes == (2, 4, 3)
        assert app.trainer.config.output_activation == "softmax" and app.trainer.config.loss == "ce"
        assert app.query_one("#field-layers", Input).value == "2,4,3"
        assert app.query_one("#field-loss", Select).value == "ce"


async def test_three_classes_of_xor_are_refused_with_the_reason():
    app = BackpropApp(Config(), show_form=True)
    async with app.run_test(size=SIZE) as pilot:
        form = await form_of(pilot)
        classes = app.query_one("#field-classes", Input)
        classes.value = "3"
        await classes.action_submit()
        await pilot.pause()
        assert "the xor data has 2 classes" in form.errors["classes"]
        assert app.trainer.config == Config()
