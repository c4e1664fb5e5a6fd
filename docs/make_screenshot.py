"""Write the README screenshot (docs/screenshot.svg): moons, 2-8-8-1 tanh,
after 150 epochs of Adam, with the decision boundary tab open.

    python docs/make_screenshot.py docs/screenshot.svg
"""

import asyncio
import sys

from model import Config
from tui.app import BackpropApp


async def main(path):
    cfg = Config(
        dataset="moons",
        layers=(2, 8, 8, 1),
        activation="tanh",
        lr=0.1,
        optimizer="adam",
        test_fraction=0.25,
        epochs_per_step=150,
    )
    app = BackpropApp(config=cfg)
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause(0.5)
        await pilot.press("n")
        for _ in range(100):
            await pilot.pause(0.1)
            if app.state != "running":
                break
        await pilot.press("v")
        await pilot.pause(0.5)
        app.save_screenshot(path)


asyncio.run(main(sys.argv[1]))
