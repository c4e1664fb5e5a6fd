"""`python -m tui`: the same as the `backprop-tui` command.

`python -m` puts the current folder first on sys.path, and a folder of ML
work often holds its own model.py, which would then stand in for the
engine. This copy's own folder is put first instead (before anything
imports `model`), so the engine is always the one installed with the app.
"""

import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_HERE = os.path.abspath(os.getcwd())
sys.path[:] = [_ROOT] + [p for p in sys.path if os.path.abspath(p or os.curdir) not in (_HERE, _ROOT)]

from tui.startup import pause_collector  # noqa: E402

pause_collector()  # until the app's first frame: its imports and compose build objects that all live on

from tui.cli import main  # noqa: E402

raise SystemExit(main())
