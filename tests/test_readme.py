"""The README's Python example runs and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.lstrip().startswith("# xueji-rules")
    assert "make demo" in text.split("## ")[0] and "make test" in text.split("## ")[0]
    example = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert example is not None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(
            compile(example.group(1), "README.md", "exec"), {}
        )  # the README's own code, not pack text
    assert out.getvalue().splitlines()[0] == "needs_approval transfer_pending"
