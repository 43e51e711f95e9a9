"""The creditscore command: help everywhere, operator commands, the headless demo."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from rich.console import Console
from rich.progress import Progress
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from app.scores.commands import score_now
from tests.harness import running_service

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    monkeypatch.setenv("CS_DATABASE_URL", url)
    return url


class TestHelp:
    @pytest.mark.parametrize(
        "args",
        [
            [],
            ["run"],
            ["demo"],
            ["db", "upgrade"],
            ["sandbox", "serve"],
            ["lenders", "create"],
            ["keys", "create"],
            ["keys", "revoke"],
            ["worker"],
            ["sync"],
        ],
    )
    def test_every_command_explains_itself(self, args: list[str]) -> None:
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


class TestOperatorCommands:
    def test_lender_key_lifecycle(self, database: str) -> None:
        assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
        created = runner.invoke(cli, ["lenders", "create", "Acme Capital"])
        assert created.exit_code == 0, created.output
        lender_id = created.output.strip()

        issued = runner.invoke(cli, ["keys", "create", lender_id, "--name", "underwriting"])
        assert issued.exit_code == 0, issued.output
        lines = dict(line.split(": ", 1) for line in issued.output.strip().splitlines())
        assert lines["key (shown once)"].startswith("csk_")

        listed = runner.invoke(cli, ["lenders", "list"], terminal_width=200)
        assert listed.exit_code == 0, listed.output
        (row,) = [line for line in listed.output.splitlines() if lender_id in line]
        assert "Acme Capital" in row and row.split("│")[4].strip() == "1"  # one active key
        keys = runner.invoke(cli, ["keys", "list", lender_id], terminal_width=200)
        assert keys.exit_code == 0, keys.output
        assert lines["key id"] in keys.output and "underwriting" in keys.output
        assert "scores:read" in keys.output and "csk_" not in keys.output  # never the key

        revoked = runner.invoke(cli, ["keys", "revoke", lines["key id"]])
        assert revoked.exit_code == 0 and "revoked" in revoked.output
        listed = runner.invoke(cli, ["lenders", "list"], terminal_width=200)
        (row,) = [line for line in listed.output.splitlines() if lender_id in line]
        assert row.split("│")[4].strip() == "0"
        missing = runner.invoke(cli, ["keys", "list", "no-such-lender"])
        assert missing.exit_code == 1 and "error: no lender no-such-lender" in missing.output
        again = runner.invoke(cli, ["keys", "revoke", lines["key id"]])
        assert again.exit_code == 1
        assert "no active key" in again.output

    def test_unknown_lender_and_scope_are_one_clear_line(self, database: str) -> None:
        runner.invoke(cli, ["db", "upgrade"])
        missing = runner.invoke(cli, ["keys", "create", "no-such-lender"])
        assert missing.exit_code == 1
        assert "error: no lender no-such-lender" in missing.output
        lender_id = runner.invoke(cli, ["lenders", "create", "B"]).output.strip()
        bad = runner.invoke(cli, ["keys", "create", lender_id, "--scope", "root"])
        assert bad.exit_code == 2
        assert "unknown scopes: root" in bad.output

    def test_bad_configuration_never_echoes_secrets(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("CS_ENV", "production")
        monkeypatch.setenv("CS_SECRET_KEY", "super-secret-value-that-must-not-leak")
        result = runner.invoke(cli, ["db", "upgrade"])
        assert result.exit_code == 2
        assert "invalid configuration" in result.output
        assert "super-secret-value-that-must-not-leak" not in result.output


class TestDemo:
    def test_demo_scores_personas_through_the_lender_api(self, database: str) -> None:
        result = runner.invoke(
            cli,
            [
                "demo",
                "--database-url",
                database,
                "--persona",
                "steady_us",
                "--persona",
                "high_returns",
            ],
        )
        assert result.exit_code == 0, result.output
        assert "steady_us" in result.output and "high_returns" in result.output
        assert result.output.count("scored") == 2
        assert "Return rate" in result.output


class TestJobCommands:
    def test_the_worker_explains_that_it_needs_postgresql(self, database: str) -> None:
        result = runner.invoke(cli, ["worker"])
        assert result.exit_code == 2
        assert "needs PostgreSQL" in result.output

    def test_sync_wants_exactly_one_selection(self, database: str) -> None:
        for args in ([], ["--all", "--due"], ["some-id", "--all"]):
            result = runner.invoke(cli, ["sync", *args])
            assert result.exit_code == 2, args
            assert "exactly one" in result.output

    def test_sync_of_an_unknown_connection_says_so(self, database: str) -> None:
        result = runner.invoke(cli, ["sync", "no-such-connection"])
        assert result.exit_code == 1
        assert "no such connection" in result.output

    def test_sync_with_nothing_to_do_succeeds(self, database: str) -> None:
        result = runner.invoke(cli, ["sync", "--due"])
        assert result.exit_code == 0, result.output
        assert "nothing to sync" in result.output


def every_command() -> list[tuple[list[str], Any]]:
    """(argument path, click command) of the app and each of its commands and sub-commands."""

    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        yield path, command
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(cli), []))


class TestHelpEverywhere:
    @pytest.mark.parametrize(
        ("path", "command"),
        every_command(),
        ids=lambda v: " ".join(v) if isinstance(v, list) else "",
    )
    def test_command_and_its_parameters_are_described(self, path: list[str], command: Any) -> None:
        result = runner.invoke(cli, [*path, "--help"], terminal_width=200)
        assert result.exit_code == 0, result.output
        assert (command.help or "").strip(), f"{path} has no description"
        first_words = " ".join(command.help.split()[:3])
        assert first_words in " ".join(result.output.split())
        for param in command.params:
            assert (getattr(param, "help", None) or "").strip(), f"{path}: {param.name} has no help"
            if param.param_type_name == "option":
                assert param.opts[0] in result.output, (path, param.opts)

    def test_every_command_is_walked(self) -> None:
        paths = {" ".join(path) for path, _ in every_command()}
        assert {"run", "worker", "demo", "sandbox serve", "db upgrade", "sync", "score"} <= paths
        assert {"lenders create", "lenders list", "keys create", "keys list"} <= paths
        assert {"keys revoke", "keys rotate"} <= paths


async def connected_borrowers(
    database: str, tmp_path: Path, personas: tuple[str, ...]
) -> list[str]:
    """Borrowers that connected ``personas`` (one each) and were pulled, on ``database``."""
    ids = []
    async with running_service(database, tmp_path) as harness:
        for persona in personas:
            headers = await harness.sign_in(persona)
            await harness.connect(persona, headers)
            ids.append((await harness.service.get("/api/me", headers=headers)).json()["id"])
        # A borrower who signed in but never connected an account.
        headers = await harness.sign_in("nothing-connected")
        ids.append((await harness.service.get("/api/me", headers=headers)).json()["id"])
    return ids


def stored_scores(database: str) -> list[tuple[str, str]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT borrower_id, status FROM scores")).all()
    engine.dispose()
    return [(row[0], row[1]) for row in rows]


class TestScoreCommand:
    def test_wants_exactly_one_selection(self, database: str) -> None:
        for args in ([], ["some-id", "--all"]):
            result = runner.invoke(cli, ["score", *args])
            assert result.exit_code == 2, args
            assert "error: name borrower ids, or give --all (exactly one of them)" in result.output

    @pytest.mark.parametrize(
        ("as_of", "message"),
        [
            ("yesterday", "is not an ISO 8601 date"),
            ("2026-13-01", "is not an ISO 8601 date"),
            ("2999-01-01", "future"),
        ],
    )
    def test_a_bad_date_is_one_clear_line(self, database: str, as_of: str, message: str) -> None:
        result = runner.invoke(cli, ["score", "--all", "--as-of", as_of])
        assert result.exit_code == 2
        assert result.output.startswith("error: --as-of") and message in result.output
        assert len(result.output.strip().splitlines()) == 1

    def test_an_unknown_borrower_scores_nothing(self, database: str) -> None:
        runner.invoke(cli, ["db", "upgrade"])
        result = runner.invoke(cli, ["score", "no-such-borrower"])
        assert result.exit_code == 1
        assert result.output.strip() == "error: no borrower no-such-borrower"
        assert stored_scores(database) == []

    def test_a_database_without_the_schema_is_one_clear_line(self, database: str) -> None:
        result = runner.invoke(cli, ["score", "--all"])
        assert result.exit_code == 1
        assert result.output.startswith("error: database error: ")
        assert "no such table" in result.output
        assert len(result.output.strip().splitlines()) == 1

    def test_nothing_to_score_succeeds(self, database: str) -> None:
        runner.invoke(cli, ["db", "upgrade"])
        result = runner.invoke(cli, ["score", "--all"])
        assert result.exit_code == 0, result.output
        assert "nothing to score" in result.output

    async def test_scores_in_batches_with_progress(self, database: str, tmp_path: Path) -> None:
        steady, returns, unconnected = await connected_borrowers(
            database, tmp_path, ("steady_us", "high_returns")
        )
        before = stored_scores(database)
        bar = Progress(console=Console(file=io.StringIO()))
        run = await score_now(
            Settings(), [steady, returns, unconnected], batch_size=1, progress=lambda: bar
        )
        (task,) = bar.tasks
        assert task.total == task.completed == 3
        assert sorted(s.borrower_id for s in run.scores) == sorted([steady, returns])
        assert all(s.status == "scored" for s in run.scores)
        assert run.without_connections == [unconnected]
        added = stored_scores(database)[len(before) :]
        assert sorted(added) == sorted(
            [(steady, "scored"), (returns, "scored"), (unconnected, "pending")]
        )

    def test_all_and_as_of_from_the_command_line(self, database: str, tmp_path: Path) -> None:
        # The command runs its own event loop, so the borrower is connected before it, on one.
        asyncio.run(connected_borrowers(database, tmp_path, ("steady_us",)))
        result = runner.invoke(cli, ["score", "--all"], terminal_width=200)
        assert result.exit_code == 0, result.output
        assert "Scores as of" in result.output and "tier A" in result.output
        stored = stored_scores(database)
        # Long before the connection the service knew nothing of the shop: pending, not a guess;
        # and a score of a past date is only shown, so the lender API keeps the current one.
        earlier = runner.invoke(
            cli, ["score", "--all", "--as-of", "2020-01-01"], terminal_width=200
        )
        assert earlier.exit_code == 0, earlier.output
        assert "pending: no connected account" in earlier.output
        assert "tier" not in earlier.output
        assert "shown, not stored" in earlier.output
        assert stored_scores(database) == stored
