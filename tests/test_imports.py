"""model/ is usable on its own: it imports NumPy and the standard library only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MODEL = Path(__file__).resolve().parents[1] / "model"
ALLOWED = {"numpy", "model"} | set(sys.stdlib_module_names)


def test_model_imports_only_numpy_and_the_standard_library():
    found = {}
    for path in sorted(MODEL.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in ALLOWED:
                    found.setdefault(path.name, set()).add(top)
    assert found == {}
