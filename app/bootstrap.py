"""Development bootstrap for `creditscore run`: a demo borrower and a demo lender with a key.

Only in development: the printed sign-in link and API key open the dashboard and the lender API
at once. The demo key is re-issued at every start (keys are stored hashed and cannot be shown
again), and the previous demo keys are revoked.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from app import db
from app.borrowers.service import get_or_create
from app.config import Settings
from app.kit.signed import SIGN_IN_LINK, Signer
from app.lenders import grants
from app.lenders.keys import create_lender, issue_key
from app.models import Lender, LenderApiKey
from app.models.base import utcnow

DEMO_BORROWER = "demo"
DEMO_LENDER = "Demo Lender"
DEMO_KEY_NAME = "demo (make run)"


@dataclass(frozen=True)
class DemoAccess:
    borrower_id: str
    sign_in_url: str
    lender_id: str
    api_key: str

    def __repr__(self) -> str:
        return f"DemoAccess(borrower_id={self.borrower_id!r}, lender_id={self.lender_id!r})"


async def demo_access(settings: Settings) -> DemoAccess:
    engine = db.create_engine(settings.resolved_database_url)
    try:
        async with db.transaction(db.session_factory(engine)) as session:
            borrower = await get_or_create(session, f"dev:{DEMO_BORROWER}", DEMO_BORROWER)
            lender = await session.scalar(select(Lender).where(Lender.name == DEMO_LENDER))
            if lender is None:
                lender = await create_lender(session, DEMO_LENDER)
            await session.execute(
                update(LenderApiKey)
                .where(
                    LenderApiKey.lender_id == lender.id,
                    LenderApiKey.name == DEMO_KEY_NAME,
                    LenderApiKey.revoked_at.is_(None),
                )
                .values(revoked_at=utcnow())
            )
            # The demo lender reads scores and the income verification report.
            key = await issue_key(session, lender, DEMO_KEY_NAME, ("scores:read", "reports:read"))
            await grants.grant(session, borrower.id, lender.id)
            token = Signer(settings.secret_key.get_secret_value()).dumps(borrower.id, SIGN_IN_LINK)
            return DemoAccess(
                borrower_id=borrower.id,
                sign_in_url=f"{settings.public_base_url.rstrip('/')}/dev/sign-in?token={token}",
                lender_id=lender.id,
                api_key=key.plaintext,
            )
    finally:
        await engine.dispose()
