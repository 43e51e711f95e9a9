"""The `creditscore` command: the service, the worker, syncs, scoring, the demo, the sandbox,
migrations, lenders and keys."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp

from app.config import Settings

T = TypeVar("T")

cli = typer.Typer(
    help="creditscore: credit scores from verified commerce-platform data.", no_args_is_help=True
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
sandbox_cli = typer.Typer(help="The platform emulators.", no_args_is_help=True)
lenders_cli = typer.Typer(help="Lender organizations.", no_args_is_help=True)
keys_cli = typer.Typer(help="Lender API keys.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(sandbox_cli, name="sandbox")
cli.add_typer(lenders_cli, name="lenders")
cli.add_typer(keys_cli, name="keys")
console = Console()


def load_settings() -> Settings:
    """Settings from the environment, or one clear line and exit 2 (never echoing values)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors(include_input=False, include_url=False)
        )
        console.print(f"[red]error:[/red] invalid configuration: {problems}")
        raise typer.Exit(2) from None


# What uvicorn enforces before the app sees a request (the app adds its own body cap and request
# deadline, CS_REQUEST_TIMEOUT_SECONDS):
SERVER_LIMITS: dict[str, Any] = {
    # Request line plus headers: h11 refuses (400) a request head once more than 16 KiB of it is
    # buffered unfinished; a head that arrives whole in one socket read (up to 64 KiB) is still
    # parsed, so 64 KiB is the real ceiling. h11 is named because the limit is h11's: uvicorn's
    # httptools protocol, though faster (h11 is about a sixth of the server's CPU under
    # bench.lender_api), bounds neither a request head's size nor how long it may take.
    "http": "h11",
    "h11_max_incomplete_event_size": 16 * 1024,
    # Idle keep-alive connections are closed after 5 s, so idle clients do not pile up.
    "timeout_keep_alive": 5,
    # Past this many open connections plus running requests, new requests get 503 at once
    # instead of queuing behind slow clients; this bounds what slow clients can hold.
    "limit_concurrency": 1000,
    # On shutdown, requests in flight get this long to finish.
    "timeout_graceful_shutdown": 30,
}


@cli.command()
def run(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Run the service (migrations are applied first)."""
    from app import db
    from app.bootstrap import demo_access
    from app.main import create_app

    settings = load_settings()
    if "CS_PUBLIC_BASE_URL" not in os.environ:
        # Links, the OAuth callback and the mounted sandbox's URLs follow the chosen address.
        settings = settings.model_copy(update={"public_base_url": f"http://{host}:{port}"})
    db.upgrade(settings.resolved_database_url)
    if settings.is_development:
        access = asyncio.run(demo_access(settings))
        base = settings.public_base_url.rstrip("/")
        # Plain echo, not rich: links and keys must stay on one line to be copied.
        for line in (
            f"creditscore ({settings.env.value}) on {base}",
            f"  database: {settings.resolved_database_url}",
            f"  sandbox:  {base}/sandbox (TikTok Shop emulator)"
            if settings.sandbox.enabled
            else "",
            f"  borrower sign-in link (demo): {access.sign_in_url}",
            f"  lender API key (demo, shown once): {access.api_key}",
            f"  try: curl -H 'Authorization: Bearer {access.api_key}' "
            f"{base}/v1/borrowers/{access.borrower_id}/score",
            f"  API docs: {base}/docs",
        ):
            if line:
                typer.echo(line)
    serve(create_app(settings, migrate=False), host, port)


def serve(
    app: ASGIApp | str, host: str, port: int, *, workers: int = 1, factory: bool = False
) -> None:
    """Serve ``app`` (an app, or the import string of one or of its factory) under uvicorn as
    `creditscore run` does: these limits and logging. Benchmarks serve their app through here."""
    import uvicorn

    # Access logs stay off: OAuth callbacks carry authorization codes in their query string.
    uvicorn.run(
        app,
        host=host,
        port=port,
        workers=workers,
        factory=factory,
        log_level="warning",
        access_log=False,
        **SERVER_LIMITS,
    )


@cli.command()
def demo(
    database_url: Annotated[
        str | None, typer.Option(help="database to use (default: a temporary SQLite file)")
    ] = None,
    persona: Annotated[
        list[str] | None, typer.Option(help="only these personas (repeatable)")
    ] = None,
) -> None:
    """Connect every sandbox persona (TikTok Shop, Shopify), pull, score, read as a lender."""
    from app.demo import run_demo

    rows = asyncio.run(run_demo(database_url, persona))
    table = Table(title="Sandbox personas, as a lender reads them")
    columns = ("platform", "persona", "status", "score", "tier", "conf.")
    subs = ("revenue", "consist.", "reliab.", "growth")
    for column in (*columns, *subs, "USD/month", "orders"):
        left = column in ("platform", "persona", "status", "tier", "conf.")
        table.add_column(column, justify="left" if left else "right")

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    for row in rows:
        sub = row.sub_scores
        table.add_row(
            row.platform,
            row.persona,
            row.status,
            fmt(row.composite),
            row.tier or "-",
            row.confidence or "-",
            *(fmt(sub.get(k)) for k in ("revenue", "consistency", "reliability", "growth")),
            "-" if row.monthly_revenue_usd is None else f"{row.monthly_revenue_usd:,.0f}",
            "-" if row.order_count is None else str(row.order_count),
        )
    wide = Console(width=max(console.width, 140))
    wide.print(table)
    for row in rows:
        if row.reason:
            wide.print(f"  {row.persona}: {row.reason}")
    if any(row.status != "scored" for row in rows):
        raise typer.Exit(1)


@cli.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=64, help="jobs run at once (default: settings)")
    ] = None,
) -> None:
    """Run background jobs from the durable queue (PostgreSQL): pulls, scores, refreshes.

    Start as many as you like, on as many machines: they share the queue."""
    from sqlalchemy.engine import make_url

    from app.jobs.commands import run_worker

    settings = load_settings()
    if make_url(settings.resolved_database_url).get_backend_name() != "postgresql":
        fail(
            "the worker needs PostgreSQL (set CS_DATABASE_URL); on the embedded SQLite default "
            "jobs run inside `creditscore run`",
            2,
        )
    if concurrency is not None:
        jobs = settings.jobs.model_copy(update={"worker_concurrency": concurrency})
        settings = settings.model_copy(update={"jobs": jobs})
    asyncio.run(run_worker(settings))


@cli.command()
def sync(
    connection: Annotated[
        list[str] | None, typer.Argument(help="connection ids (or --all / --due)")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="every active connection")] = False,
    due: Annotated[bool, typer.Option("--due", help="active connections due a refresh")] = False,
    full: Annotated[bool, typer.Option(help="backfill the whole window again")] = False,
) -> None:
    """Pull connections now, in the foreground, and re-score their borrowers."""
    from app.jobs.commands import sync_now

    if bool(connection) + all_ + due != 1:
        fail("name connection ids, or give --all, or --due (exactly one of them)", 2)
    results = asyncio.run(sync_now(load_settings(), connection or None, due_only=due, full=full))
    if not results:
        console.print("nothing to sync: no connection matched")
    for result in results:
        colour = "green" if result.status == "complete" else "red"
        detail = f": {result.detail}" if result.detail else ""
        console.print(f"{result.connection_id} [{colour}]{result.status}[/{colour}]{detail}")
    if any(result.status != "complete" for result in results):
        raise typer.Exit(1)


@cli.command()
def score(
    borrower: Annotated[
        list[str] | None, typer.Argument(metavar="BORROWER_ID...", help="borrower ids (or --all)")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="every borrower with a connected account")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="score as of this past UTC date or time, ISO 8601, without storing the "
            "scores (default: now, stored); only facts observed by then count",
        ),
    ] = None,
    batch: Annotated[int, typer.Option(min=1, help="borrowers scored per transaction")] = 200,
) -> None:
    """Score borrowers from their stored data and append the scores to the history.

    With --as-of the scores are computed as of that date and shown, not stored: the lender API
    serves the newest score, which a score of a past date must not replace."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.scores.commands import UnknownBorrowersError, parse_as_of, score_now

    if bool(borrower) == all_:
        fail("name borrower ids, or give --all (exactly one of them)", 2)
    try:
        when = None if as_of is None else parse_as_of(as_of)
    except ValueError as exc:
        fail(str(exc), 2)
    settings = load_settings()
    try:
        run = asyncio.run(score_now(settings, borrower or None, as_of=when, batch_size=batch))
    except UnknownBorrowersError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:  # e.g. unreachable, or not migrated: the driver's first line
        cause = getattr(exc, "orig", None) or exc
        fail(f"database error: {str(cause).splitlines()[0]}")
    if not run.scores and not run.without_connections:
        console.print("nothing to score: no borrower has a connected account")
        return
    table = Table(title=f"Scores as of {run.as_of:%Y-%m-%d %H:%M} UTC")
    for column in ("outcome", "borrowers", "mean composite"):
        table.add_column(column, justify="left" if column == "outcome" else "right")
    outcomes: dict[str, list[float]] = {}
    for row in run.scores:
        cause = f" ({row.reasons[0]['code']})" if row.reasons else ""
        key = f"tier {row.tier}" if row.status == "scored" else f"{row.status}{cause}"
        outcomes.setdefault(key, []).append(row.composite or 0.0)
    for key in sorted(outcomes):
        values = outcomes[key]
        mean = f"{sum(values) / len(values):.1f}" if key.startswith("tier") else "-"
        table.add_row(key, str(len(values)), mean)
    if run.without_connections:
        table.add_row("pending: no connected account", str(len(run.without_connections)), "-")
    console.print(table)
    if not run.stored:
        console.print("scores as of a past date are shown, not stored")


@sandbox_cli.command("serve")
def sandbox_serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8100,
) -> None:
    """Serve every platform emulator on one server (TikTok Shop under /tiktok-shop)."""
    import uvicorn

    from app.main import sandbox_app

    settings = load_settings()
    console.print(
        f"sandbox on http://{host}:{port}: TikTok Shop under /tiktok-shop, "
        "control API under /_sandbox"
    )
    uvicorn.run(sandbox_app(settings), host=host, port=port, log_level="warning")


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Apply migrations up to REVISION."""
    from app import db

    settings = load_settings()
    db.upgrade(settings.resolved_database_url, revision)
    console.print(f"database at {revision}")


def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on the configured database."""
    from app import db

    async def go() -> T:
        settings = load_settings()
        engine = db.create_engine(settings.resolved_database_url)
        try:
            async with db.transaction(db.session_factory(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def fail(message: str, code: int = 1) -> NoReturn:
    # soft_wrap: one line however narrow the terminal, so logs and scripts get it whole
    console.print(f"[red]error:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code)


@lenders_cli.command("create")
def lenders_create(name: Annotated[str, typer.Argument(help="the lender's name")]) -> None:
    """Create a lender organization and print its id."""
    from app.lenders.keys import create_lender

    async def work(session: AsyncSession) -> str:
        return (await create_lender(session, name)).id

    console.print(in_transaction(work))


@lenders_cli.command("list")
def lenders_list() -> None:
    """List lender organizations with their active keys and the borrowers sharing with them."""
    from sqlalchemy import func, select

    from app.models import Lender, LenderApiKey, LenderGrant
    from app.models.base import utcnow

    async def work(session: AsyncSession) -> list[tuple[Lender, int, int]]:
        now = utcnow()
        keys = (
            select(func.count(LenderApiKey.id))
            .where(
                LenderApiKey.lender_id == Lender.id,
                LenderApiKey.revoked_at.is_(None),
                (LenderApiKey.expires_at.is_(None)) | (LenderApiKey.expires_at > now),
            )
            .scalar_subquery()
        )
        grants = (
            select(func.count(LenderGrant.id))
            .where(
                LenderGrant.lender_id == Lender.id,
                LenderGrant.revoked_at.is_(None),
                (LenderGrant.expires_at.is_(None)) | (LenderGrant.expires_at > now),
            )
            .scalar_subquery()
        )
        rows = await session.execute(select(Lender, keys, grants).order_by(Lender.name))
        return [(lender, n_keys, n_grants) for lender, n_keys, n_grants in rows]

    table = Table(title="Lenders")
    table.add_column("id", no_wrap=True)  # whole, to be copied into other commands
    for column in ("name", "created", "active keys", "sharing borrowers"):
        table.add_column(column)
    for lender, n_keys, n_grants in in_transaction(work):
        table.add_row(
            lender.id, lender.name, f"{lender.created_at:%Y-%m-%d}", str(n_keys), str(n_grants)
        )
    Console(width=max(console.width, 140)).print(table)


@keys_cli.command("list")
def keys_list(lender_id: Annotated[str, typer.Argument(help="the lender's id")]) -> None:
    """List a lender's API keys (never the keys themselves): scopes, expiry, last use."""
    from sqlalchemy import select

    from app.models import Lender, LenderApiKey

    async def work(session: AsyncSession) -> list[LenderApiKey]:
        if await session.get(Lender, lender_id) is None:
            fail(f"no lender {lender_id}")
        return list(
            await session.scalars(
                select(LenderApiKey)
                .where(LenderApiKey.lender_id == lender_id)
                .order_by(LenderApiKey.created_at)
            )
        )

    def when(moment: datetime | None) -> str:
        return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M}"

    table = Table(title=f"Keys of lender {lender_id}")
    table.add_column("key id", no_wrap=True)
    for column in ("name", "scopes", "created", "expires", "last used", "revoked"):
        table.add_column(column)
    for key in in_transaction(work):
        table.add_row(
            key.id,
            key.name or "-",
            " ".join(key.scopes),
            when(key.created_at),
            when(key.expires_at),
            when(key.last_used_at),
            when(key.revoked_at),
        )
    Console(width=max(console.width, 160)).print(table)


@keys_cli.command("create")
def keys_create(
    lender_id: Annotated[str, typer.Argument(help="the lender's id")],
    name: Annotated[str, typer.Option(help="a label for the key")] = "",
    scope: Annotated[
        list[str] | None, typer.Option(help="scopes (repeatable); default scores:read")
    ] = None,
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="the key stops working after this many days")
    ] = None,
) -> None:
    """Issue an API key for a lender; the key is printed once and never stored in plaintext."""
    from app.lenders.keys import DEFAULT_SCOPES, IssuedKey, issue_key
    from app.models import Lender
    from app.models.base import utcnow

    async def work(session: AsyncSession) -> IssuedKey:
        lender = await session.get(Lender, lender_id)
        if lender is None:
            fail(f"no lender {lender_id}")
        try:
            expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
            return await issue_key(
                session, lender, name, tuple(scope or DEFAULT_SCOPES), expires_at=expires
            )
        except ValueError as exc:
            fail(str(exc), 2)

    issued = in_transaction(work)
    console.print(f"key id: {issued.key_id}")
    console.print(f"key (shown once): {issued.plaintext}")


@keys_cli.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="the key's id")]) -> None:
    """Revoke an API key; it stops working on the next request."""
    from app.lenders.keys import revoke_key

    async def work(session: AsyncSession) -> bool:
        return await revoke_key(session, key_id)

    if not in_transaction(work):
        fail(f"no active key {key_id}")
    console.print("revoked")


@keys_cli.command("rotate")
def keys_rotate(key_id: Annotated[str, typer.Argument(help="the key's id")]) -> None:
    """Replace a key: a new one with the same lender, name and scopes; the old one stops now."""
    from app.lenders.keys import IssuedKey, rotate_key

    async def work(session: AsyncSession) -> IssuedKey | None:
        return await rotate_key(session, key_id)

    issued = in_transaction(work)
    if issued is None:
        fail(f"no active key {key_id}")
    console.print(f"key id: {issued.key_id}")
    console.print(f"key (shown once): {issued.plaintext}")


@keys_cli.command("rotate-encryption")
def keys_rotate_encryption(
    batch: Annotated[int, typer.Option(help="rows re-encrypted per transaction")] = 200,
) -> None:
    """Re-encrypt every stored secret under the newest key (the first of CS_ENCRYPTION_KEYS).

    Runs in batches and can be stopped and run again: rows already under the newest key are
    skipped. When it reports nothing left under older keys, those keys can be retired.
    """
    from app import db
    from app.connections.reencrypt import reencrypt_all
    from app.context import AppContext
    from app.lender_webhooks.reencrypt import reencrypt_endpoint_secrets

    async def go() -> tuple[int, int, dict[str, int]]:
        settings = load_settings()
        engine = db.create_engine(settings.resolved_database_url)
        try:
            keyring = AppContext.keyring_from(settings)
            sessions = db.session_factory(engine)
            done, left = await reencrypt_all(sessions, keyring, batch)
            endpoints, left_secrets = await reencrypt_endpoint_secrets(sessions, keyring, batch)
            for key_id, count in left_secrets.items():
                left[key_id] = left.get(key_id, 0) + count
            return done, endpoints, left
        finally:
            await engine.dispose()

    try:
        done, endpoints, left = asyncio.run(go())
    except Exception as exc:  # one clear line, never a traceback with secrets in it
        fail(f"re-encryption stopped: {type(exc).__name__}: {exc}")
    console.print(f"re-encrypted {done} connection(s) under the newest key")
    console.print(f"re-encrypted {endpoints} lender webhook endpoint secret(s)")
    console.print(f"secrets still under older keys: {left or 'none'}")


def main() -> None:
    cli()
