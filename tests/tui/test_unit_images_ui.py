"""The Pictures tab draws the digits' first layer as 8x8 half-block images."""

from __future__ import annotations

from model import Config
from tests.tui.pilot_helpers import launch_done
from tests.tui.test_insights import open_tab
from tui.app import BackpropApp

DIGITS = Config(dataset="digits", layers=(64, 6, 10), activation="tanh", output_activation="softmax", loss="ce")


async def test_pictures_of_the_digits_first_layer():
    app = BackpropApp(DIGITS, show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await launch_done(pilot)
        await open_tab(pilot, "tab-pictures")
        text = str(app.query_one("#unit-images").render())
        assert "as 8x8 images" in text and "u6" in text
        assert text.count("▀") == 6 * 8 * 4  # six units, 8 columns, 4 half-block rows each


async def test_other_data_gets_a_sentence():
    app = BackpropApp(Config(), show_form=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await launch_done(pilot)
        await open_tab(pilot, "tab-pictures")
        assert "Pictures need image data" in str(app.query_one("#unit-images").render())
