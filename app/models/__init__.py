"""ORM models, one module per table; importing this package registers every table."""

from app.models.affiliate_commission import AffiliateCommission
from app.models.api_key import LenderApiKey
from app.models.audit_event import AuditEvent
from app.models.base import Base
from app.models.borrower import Borrower
from app.models.connection import BusinessConnection, ConnectionStatus, SyncState
from app.models.grant import LenderGrant
from app.models.lender import Lender
from app.models.lender_webhook_delivery import LenderWebhookDelivery
from app.models.lender_webhook_endpoint import LenderWebhookEndpoint
from app.models.lender_webhook_event import LenderWebhookEvent
from app.models.oauth_state import OAuthState
from app.models.order import Order
from app.models.quarantined_record import QuarantinedRecord
from app.models.return_refund import Return
from app.models.score import Score
from app.models.settlement import Settlement
from app.models.siwe_nonce import SiweNonce
from app.models.sync_run import SyncRun
from app.models.webhook_event import WebhookEvent

__all__ = [
    "AffiliateCommission",
    "AuditEvent",
    "Base",
    "Borrower",
    "BusinessConnection",
    "ConnectionStatus",
    "Lender",
    "LenderApiKey",
    "LenderGrant",
    "LenderWebhookDelivery",
    "LenderWebhookEndpoint",
    "LenderWebhookEvent",
    "OAuthState",
    "Order",
    "QuarantinedRecord",
    "Return",
    "Score",
    "Settlement",
    "SiweNonce",
    "SyncRun",
    "SyncState",
    "WebhookEvent",
]
