"""Rows for the row-level security tests, written with plain SQL as the tables' owner.

Two Supabase borrowers (A and B) with a connection each (tokens included), facts, a score, a
grant, a sync run, a quarantined record and an OAuth state; B has more of everything than A so
a leak shows in the counts. A third borrower signed in another way (``dev:``) carries A's uuid
in its subject, to prove only ``supabase:<uuid>`` matches. Plus a lender, its key and a webhook
event, which belong to nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class Borrower:
    id: str
    sub: str
    subject: str
    connection_id: str
    access_token: str
    refresh_token: str
    facts: int


A = Borrower(
    id="aaaaaaaa-0000-4000-8000-00000000000a",
    sub="1f0d6a0e-7a3c-4c59-9a7e-6f1c0e0a000a",
    subject="supabase:1f0d6a0e-7a3c-4c59-9a7e-6f1c0e0a000a",
    connection_id="cccccccc-0000-4000-8000-00000000000a",
    access_token="enc:v1:access-token-of-A",
    refresh_token="enc:v1:refresh-token-of-A",
    facts=2,
)
B = Borrower(
    id="bbbbbbbb-0000-4000-8000-00000000000b",
    sub="2e1c7b1f-8b4d-4d6a-8b8f-7a2d1f1b000b",
    subject="supabase:2e1c7b1f-8b4d-4d6a-8b8f-7a2d1f1b000b",
    connection_id="cccccccc-0000-4000-8000-00000000000b",
    access_token="enc:v1:access-token-of-B",
    refresh_token="enc:v1:refresh-token-of-B",
    facts=3,
)
# Same uuid as A after the prefix, but proven by the development sign-in: not A.
IMPOSTOR = Borrower(
    id="dddddddd-0000-4000-8000-00000000000d",
    sub=A.sub,
    subject=f"dev:{A.sub}",
    connection_id="cccccccc-0000-4000-8000-00000000000d",
    access_token="enc:v1:access-token-of-impostor",
    refresh_token="enc:v1:refresh-token-of-impostor",
    facts=1,
)
BORROWERS = (A, B, IMPOSTOR)
LENDER_ID = "11111111-0000-4000-8000-000000000001"


def _borrower(cur: psycopg.Cursor[tuple[object, ...]], b: Borrower) -> None:
    cur.execute(
        "INSERT INTO borrowers (id, subject, display_name, created_at) VALUES (%s, %s, %s, now())",
        (b.id, b.subject, f"borrower {b.id[:4]}"),
    )
    cur.execute(
        """
        INSERT INTO business_connections (
            id, borrower_id, platform, external_account_id, role, status, shop_cipher,
            access_token_enc, refresh_token_enc, granted_scopes, metrics, sync_cursors,
            sync_state, created_at, updated_at
        ) VALUES (
            %s, %s, 'tiktok_shop', %s, 'seller', 'active', 'cipher', %s, %s,
            '[]', '{}', '{"orders": "page-token"}', 'complete', now(), now()
        )
        """,
        (b.connection_id, b.id, f"shop-{b.id[:4]}", b.access_token, b.refresh_token),
    )
    for n in range(b.facts):
        fact = (b.connection_id, b.id, f"{b.id[:4]}-{n}")
        cur.execute(
            """
            INSERT INTO orders (
                connection_id, borrower_id, platform, external_id, currency, first_seen_at,
                last_seen_at, created_at, updated_at, status, platform_status, total_amount,
                subtotal_amount, shipping_amount, tax_amount, item_count, is_sample
            ) VALUES (
                %s, %s, 'tiktok_shop', %s, 'USD', now(), now(), now(), now(), 'delivered',
                'DELIVERED', 10.50, 10.00, 0.50, 0, 1, false
            )
            """,
            fact,
        )
        cur.execute(
            """
            INSERT INTO settlements (
                connection_id, borrower_id, platform, external_id, currency, first_seen_at,
                last_seen_at, statement_time, settlement_amount
            ) VALUES (%s, %s, 'tiktok_shop', %s, 'USD', now(), now(), now(), 9.25)
            """,
            fact,
        )
        cur.execute(
            """
            INSERT INTO affiliate_commissions (
                connection_id, borrower_id, platform, external_id, currency, first_seen_at,
                last_seen_at, role, created_at, status, gross_amount, estimated_commission,
                settled
            ) VALUES (
                %s, %s, 'tiktok_shop', %s, 'USD', now(), now(), 'creator', now(), 'settled',
                20.00, 2.00, true
            )
            """,
            fact,
        )
        cur.execute(
            """
            INSERT INTO returns (
                connection_id, borrower_id, platform, external_id, currency, first_seen_at,
                last_seen_at, order_external_id, return_type, status, created_at, updated_at,
                refund_amount
            ) VALUES (
                %s, %s, 'tiktok_shop', %s, 'USD', now(), now(), 'o-1', 'refund', 'completed',
                now(), now(), 10.50
            )
            """,
            fact,
        )
        cur.execute(
            """
            INSERT INTO scores (
                id, borrower_id, model_version, as_of, window_start, window_end, status,
                order_count, reasons, connection_ids, computed_at
            ) VALUES (
                gen_random_uuid()::text, %s, 'v1', now(), now() - interval '90 days', now(),
                'pending', 0, '[]', '[]', now()
            )
            """,
            (b.id,),
        )
    cur.execute(
        """
        INSERT INTO lender_grants (id, borrower_id, lender_id, created_at)
        VALUES (gen_random_uuid()::text, %s, %s, now())
        """,
        (b.id, LENDER_ID),
    )
    cur.execute(
        """
        INSERT INTO sync_runs (id, connection_id, started_at, status, window_start, window_end,
            counts)
        VALUES (gen_random_uuid()::text, %s, now(), 'complete', now(), now(), '{}')
        """,
        (b.connection_id,),
    )
    cur.execute(
        """
        INSERT INTO quarantined_records (connection_id, stream, reason, created_at)
        VALUES (%s, 'orders', 'unparseable amount', now())
        """,
        (b.connection_id,),
    )
    cur.execute(
        """
        INSERT INTO oauth_states (nonce, borrower_id, platform, created_at, expires_at)
        VALUES (%s, %s, 'tiktok_shop', now(), now() + interval '10 minutes')
        """,
        (f"nonce-{b.id}", b.id),
    )


def seed(connection: psycopg.Connection[tuple[object, ...]]) -> None:
    """Insert every row above in one transaction."""
    with connection.transaction(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO lenders (id, name, created_at) VALUES (%s, 'Lender One', now())",
            (LENDER_ID,),
        )
        cur.execute(
            """
            INSERT INTO lender_api_keys (id, lender_id, name, prefix, key_hash, scopes,
                created_at)
            VALUES (gen_random_uuid()::text, %s, 'main', 'pfx1', repeat('f', 64),
                '["scores:read"]', now())
            """,
            (LENDER_ID,),
        )
        cur.execute(
            """
            INSERT INTO webhook_events (platform, delivery_id, topic, account, received_at)
            VALUES ('shopify', 'delivery-1', 'orders/create', 'shop.example', now())
            """
        )
        for borrower in BORROWERS:
            _borrower(cur, borrower)
