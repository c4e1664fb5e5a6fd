"""Pilot tests: the form follows regression data (a linear output and MSE,
class losses refused with the reason) and offers Playground input features."""

from __future__ import annotations

from textual.widgets import Select, SelectionList

from model import Config
from tests.tui.pilot_helpers import form_of, wait_for
from tui.app import BackpropApp
from tui.widgets.stats_bar import StatsBar

SIZE = (120, 40)


async def test_sine_sets_a_linear_mse_output_and_refuses_bce_with_the_reason():
    app = BackpropApp(Config(), show_form=True)
    async with app.run_test(size=SIZE) as pilot:
        form = await form_of(pilot)
        app.query_one("#field-dataset", Select).value = "sine"
        await wait_for(pilot, lambda: app.trainer.config.dataset == "sine")
        config = app.trainer.config
        assert (config.layers, config.output_activation, config.loss) == ((1, 4, 1), "linear", "mse")
        assert app.trainer.data.is_regression
        assert app.query_one("#row-features").has_class("-not-applicable")  # one input: no features
        await wait_for(pilot, lambda: "R²" in app.query_one(StatsBar).line)
        assert " acc " not in app.query_one(StatsBar).line

        app.query_one("#field-loss", Select).value = "bce"
        await wait_for(pilot, lambda: "loss" in form.errors)
        assert "float targets" in form.errors["loss"] and "mse" in form.errors["loss"]
        assert app.trainer.config.loss == "mse"
        await wait_for(pilot, lambda: app.query_one("#field-loss", Select).value == "mse")  # snapped back

        app.query_one("#field-output_activation", Select).value = "softmax"
        await wait_for(pilot, lambda: "output_activation" in form.errors)
        assert app.trainer.config.output_activation == "linear"

        app.query_one("#field-dataset", Select).value = "circles"  # back to classes: sigmoid and bce again
        await wait_for(pilot, lambda: app.trainer.config.dataset == "circles")
        config = app.trainer.config
        assert (config.layers, config.output_activation, config.loss) == ((2, 4, 1), "sigmoid", "bce")
        await wait_for(pilot, lambda: " acc " in app.query_one(StatsBar).line)


async def test_choosing_input_features_rebuilds_with_one_input_per_feature():
    app = BackpropApp(Config(dataset="circles"), show_form=True)
    async with app.run_test(size=SIZE) as pilot:
        form = await form_of(pilot)
        features = app.query_one("#field-features", SelectionList)
        assert not app.query_one("#row-features").has_class("-not-applicable")
        features.select("x1^2")
        await wait_for(pilot, lambda: app.trainer.config.features == ("x1", "x2", "x1^2"))
        assert app.trainer.layout.sizes[0] == 3
        assert app.trainer.data.feature_names == ("x1", "x2", "x1²")
        features.deselect_all()  # none: refused, and the choice snaps back
        await wait_for(pilot, lambda: "features" in form.errors)
        assert app.trainer.config.features == ("x1", "x2", "x1^2")
        await wait_for(pilot, lambda: set(features.selected) == {"x1", "x2", "x1^2"})
