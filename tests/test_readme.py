"""The README's Python examples run, and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import os
import re

import pytest
from support import ROOT

BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_python_example(code, monkeypatch):
    monkeypatch.chdir(ROOT)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    lines = [line.strip() for line in code.splitlines()]
    expected = [line.split("# ", 1)[1].strip() for line in lines if line.startswith("print(") and "# " in line]
    assert printed.getvalue().splitlines() == expected


def test_there_are_examples():
    assert len(BLOCKS) >= 2
    assert os.path.isdir(ROOT / "fixtures")
