"""The layering promises, checked: import-linter contracts and the sandbox's independence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class TestLayers:
    def test_import_linter_contracts_hold(self) -> None:
        lint_imports = Path(sys.executable).with_name("lint-imports")
        result = subprocess.run(
            [str(lint_imports), "--config", str(REPO / "pyproject.toml")],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Contracts: " in result.stdout and " broken" in result.stdout
        assert "0 broken" in result.stdout

    def test_every_module_says_what_it_is_for(self) -> None:
        import ast

        missing = [
            str(path.relative_to(REPO))
            for package in ("app", "connectors", "scoring", "sandbox")
            for path in (REPO / package).rglob("*.py")
            if path.stat().st_size and ast.get_docstring(ast.parse(path.read_text())) is None
        ]
        assert missing == []
