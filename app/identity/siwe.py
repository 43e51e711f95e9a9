"""Sign-In with Ethereum (EIP-4361): parse a signed message and check it, with the `siwe` library.

`siwe` re-serialises the parsed message before recovering the signer, so any edit to the text
breaks the signature. Contract wallets (EIP-1271) would need an Ethereum node: not supported, a
signature must come from the address's own key.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.kit.errors import AppError, NotAuthenticated

with warnings.catch_warnings():
    # siwe imports web3, whose optional websocket provider imports a deprecated websockets
    # module; nothing here uses it, and the warning would fail the strict test run.
    warnings.simplefilter("ignore")
    import siwe

# Clocks of wallets drift: accept an "Issued At" this far in the future.
CLOCK_SKEW = timedelta(minutes=5)


class MalformedMessage(AppError):
    code = "malformed_siwe_message"


@dataclass(frozen=True)
class ProvenWallet:
    address: str  # EIP-55 checksummed
    nonce: str
    chain_id: int


def verify(
    message: str,
    signature: str,
    *,
    domain: str,
    chain_ids: list[int],
    now: datetime,
) -> ProvenWallet:
    """Check ``message`` and ``signature``: domain, chain, times, signer (not the nonce)."""
    try:
        parsed = siwe.SiweMessage.from_message(message)
    except Exception:
        raise MalformedMessage(
            "the message is not an EIP-4361 Sign-In with Ethereum message"
        ) from None
    if parsed.domain != domain:
        raise NotAuthenticated(f"the message was written for another site: sign in at {domain}")
    if parsed.chain_id not in chain_ids:
        raise NotAuthenticated(f"chain id {parsed.chain_id} is not accepted here")
    if parsed.issued_at._datetime > now + CLOCK_SKEW:
        raise NotAuthenticated("the message is issued in the future")
    try:
        parsed.verify(signature, domain=domain, timestamp=now)
    except siwe.ExpiredMessage:
        raise NotAuthenticated("the message has expired: sign a new one") from None
    except siwe.NotYetValidMessage:
        raise NotAuthenticated("the message is not valid yet") from None
    except siwe.VerificationError:
        raise NotAuthenticated("the signature does not match the message's address") from None
    except Exception:
        raise NotAuthenticated("the signature does not match the message's address") from None
    return ProvenWallet(address=parsed.address, nonce=parsed.nonce, chain_id=parsed.chain_id)
