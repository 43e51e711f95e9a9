"""The creditscore command: help everywhere, operator commands, the headless demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli

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

        revoked = runner.invoke(cli, ["keys", "revoke", lines["key id"]])
        assert revoked.exit_code == 0 and "revoked" in revoked.output
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
