"""The analyst notebooks: committed without outputs, and executed against a database filled from
the sandbox personas, where every cell runs and the analysis shows what it promises."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from tests.notebooks.portfolio import MULTI_PLATFORM, Portfolio, fill

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ("portfolio_overview", "borrower_deep_dive", "model_monitoring")
CELL_TIMEOUT_S = 180


@pytest.fixture(scope="session")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Portfolio:
    """One database for the session's notebooks: the persona pulls are the slow part."""
    data_dir = tmp_path_factory.mktemp("notebooks")
    return asyncio.run(fill(f"sqlite:///{(data_dir / 'portfolio.db').as_posix()}", data_dir))


def executed(name: str, portfolio: Portfolio, workdir: Path) -> nbformat.NotebookNode:
    """The notebook run top to bottom on a fresh kernel of this interpreter; a failing cell
    raises with its traceback."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    env = {**os.environ, "CS_DATABASE_URL": portfolio.database_url}
    env.pop("MPLBACKEND", None)  # the kernel's inline backend renders the charts as PNG
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute(env=env)
    return notebook


def text(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                parts.append(output["text"])
            elif "data" in output:
                parts.append(output["data"].get("text/plain", ""))
    return "\n".join(parts)


def charts(notebook: nbformat.NotebookNode) -> int:
    return sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def warnings_printed(notebook: nbformat.NotebookNode) -> list[str]:
    return [
        output["text"]
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output["output_type"] == "stream" and output["name"] == "stderr"
    ]


def assert_portfolio_overview(notebook: nbformat.NotebookNode, portfolio: Portfolio) -> None:
    out = text(notebook)
    assert f"borrowers: {len(portfolio.borrowers)}\n" in out
    assert f"scored: {len(portfolio.borrowers)}, pending: 0" in out
    assert f"connected accounts: {portfolio.connections}" in out
    # The personas' stories show in the reasons counted over the portfolio.
    assert "REVENUE_LOW" in out and "RETURN_RATE_HIGH" in out
    assert charts(notebook) >= 4
    assert warnings_printed(notebook) == []


class TestCommittedNotebooks:
    def test_the_three_notebooks_are_there(self) -> None:
        assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)

    @pytest.mark.parametrize("name", NAMES)
    def test_outputs_are_stripped(self, name: str) -> None:
        notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], (name, cell.id)
                assert cell.execution_count is None, (name, cell.id)

    def test_the_kernel_is_this_interpreter(self) -> None:
        """The notebooks run on this virtualenv's Python with this checkout's packages; a
        user-wide "python3" kernel from another environment would shadow it."""
        spec = KernelSpecManager().get_kernel_spec("python3")
        assert Path(spec.resource_dir).resolve().is_relative_to(Path(sys.prefix).resolve())
        assert spec.argv[0] in ("python", sys.executable)  # "python" means sys.executable

    @pytest.mark.parametrize("name", NAMES)
    def test_each_starts_with_the_one_line_load(self, name: str) -> None:
        notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        first = next(cell for cell in notebook.cells if cell.cell_type == "code")
        assert first.source.startswith("from app.analyst import load, load_scores\n")
        assert "load()" in first.source


@pytest.mark.slow
class TestExecutedNotebooks:
    def test_portfolio_overview(self, portfolio: Portfolio, tmp_path: Path) -> None:
        notebook = executed("portfolio_overview", portfolio, tmp_path)
        assert_portfolio_overview(notebook, portfolio)

    @pytest.mark.postgres
    @pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
    def test_portfolio_overview_on_postgresql(self, database_url: str, tmp_path: Path) -> None:
        """The one-line load on a PostgreSQL URL, with a few personas pulled once (cheap)."""
        few = {persona: (persona,) for persona in ("steady_us", "high_returns", "shopify_steady")}
        portfolio = asyncio.run(fill(database_url, tmp_path, few, second_pull=False))
        assert_portfolio_overview(executed("portfolio_overview", portfolio, tmp_path), portfolio)

    def test_borrower_deep_dive(self, portfolio: Portfolio, tmp_path: Path) -> None:
        notebook = executed("borrower_deep_dive", portfolio, tmp_path)
        out = text(notebook)
        name = MULTI_PLATFORM[0]
        assert f"borrower: {name} (" in out  # by default, the borrower with the most accounts
        for platform in ("tiktok_shop", "shopify", "amazon"):
            assert f"account: {platform} seller" in out
        assert "stored score reproduced exactly" in out
        composite_change = {
            scenario: float(change)
            for scenario, change in re.findall(r"^(.+): composite ([+-]\d+\.\d) points", out, re.M)
        }
        assert set(composite_change) == {
            "revenue +10%",
            "revenue -10%",
            "half the returns",
            "one more month of history",
        }
        # More revenue never lowers the score, less never raises it, and below the top revenue
        # anchor a tenth of the revenue is worth points.
        assert composite_change["revenue +10%"] > 0 > composite_change["revenue -10%"]
        assert charts(notebook) >= 2
        assert warnings_printed(notebook) == []

    def test_model_monitoring(self, portfolio: Portfolio, tmp_path: Path) -> None:
        notebook = executed("model_monitoring", portfolio, tmp_path)
        out = text(notebook)
        borrowers = len(portfolio.borrowers)
        assert f"{borrowers} borrowers scored as of {portfolio.last_pull:%Y-%m-%d}" in out
        for sub_score in ("revenue", "consistency", "reliability", "growth"):
            assert f"{sub_score} +25%: tier moves" in out
            assert f"{sub_score} -25%: tier moves" in out
        # The two snapshots are the two pull days, with every borrower in each.
        assert f"before: {borrowers} borrowers" in out
        assert f"after:  {borrowers} borrowers" in out
        psi = re.search(r"composite PSI (\d+\.\d+): (stable|moderate shift|significant shift)", out)
        assert psi is not None
        assert re.search(rf"\d+ of {borrowers} changed tier", out)
        assert charts(notebook) >= 2
        assert warnings_printed(notebook) == []
