"""A borrower with a scored TikTok Shop account who granted a lender holding ``reports:read``."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

import pytest

from app.db import transaction
from app.lenders.keys import create_lender, issue_key
from tests.harness import Harness


@dataclass(frozen=True)
class Granted:
    borrower_id: str
    borrower_headers: dict[str, str]
    lender_id: str
    key: str

    @property
    def url(self) -> str:
        return f"/v1/borrowers/{self.borrower_id}/report"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


async def new_lender(harness: Harness, scopes: tuple[str, ...]) -> tuple[str, str]:
    """A lender of its own (lender names are unique) and a key with ``scopes``."""
    async with transaction(harness.context.sessions) as session:
        lender = await create_lender(session, f"Lender {uuid4().hex[:12]}")
        issued = await issue_key(session, lender, "test", scopes)
        return lender.id, issued.plaintext


async def grant_reader(
    harness: Harness, name: str, *personas: str, scopes: tuple[str, ...] = ("reports:read",)
) -> Granted:
    """Borrower ``name`` connects ``personas`` (pulled and scored) and grants a new lender."""
    headers = await harness.sign_in(name)
    borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
    for persona in personas:
        await harness.connect(persona, headers)
    lender_id, key = await new_lender(harness, scopes)
    granted = await harness.service.post(
        "/api/grants", json={"lender_id": lender_id}, headers=headers
    )
    granted.raise_for_status()
    return Granted(borrower_id, headers, lender_id, key)


@pytest.fixture
async def scored(harness: Harness) -> Granted:
    return await grant_reader(harness, "steady", "steady_us")
