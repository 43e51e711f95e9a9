-- creditscore: row-level security for deployment on Supabase.
--
-- What it does
--   * Every table and view in schema public is closed to `anon` and `authenticated`: all table,
--     column and sequence privileges revoked. Row-level security is ENABLEd and FORCEd on every
--     table, so a table without a policy of ours shows nobody any row.
--   * `authenticated` (a Supabase Auth user through the Data API) may SELECT, and only SELECT,
--     the rows of its own borrower in: borrowers, business_connections, orders, settlements,
--     affiliate_commissions, returns, scores, lender_grants. Its borrower is the one whose
--     subject is 'supabase:' || auth.uid(), found by app_private.current_borrower_id().
--   * Secret columns (any column named like *_enc, *token*, *secret*, *password*, *hash*,
--     *cipher*, *cursor*: today business_connections.access_token_enc, refresh_token_enc, their
--     expiry times, shop_cipher and sync_cursors) are never granted: the grant to
--     `authenticated` is column by column, so no policy, present or future, can expose them.
--   * Lender data (lenders, lender_api_keys), oauth_states, webhook_events, sync_runs,
--     quarantined_records, alembic_version and every table not listed above: no privilege for
--     `anon` or `authenticated` at all. `anon` gets nothing anywhere.
--   * `service_role` (the backend) gets every privilege on every table and sequence; it has
--     BYPASSRLS on Supabase, so policies do not filter it.
--   * Default privileges of the role that runs this file (the role the migrations run as) no
--     longer hand new tables and sequences in public to `anon`/`authenticated`, as Supabase's
--     defaults do: a table added by a later migration is closed until this file runs again.
--
-- How to apply it on Supabase
--   1. Run the migrations first (`creditscore db upgrade` with the project's direct or session
--      pooler connection string, user `postgres`), so the tables exist and belong to postgres.
--   2. Run this file as the same role `postgres`, after every migration:
--        psql "$SUPABASE_DB_URL" -v ON_ERROR_STOP=1 -f sql/policies/supabase_rls.sql
--      or paste it into the dashboard's SQL editor (it runs as postgres). It is one transaction
--      and idempotent: running it again converges to the same state.
--   3. The backend connects as postgres or service_role (both bypass RLS); never give it the
--      anon key or a user's JWT.
--   The file refuses to run (and changes nothing) when auth.uid() or the Supabase roles are
--   missing, when the migrations have not run, or when a table's owner cannot bypass RLS
--   (FORCE would then hide every row from the backend and the migrations).
--
-- Locally, tests/sql/supabase_shim.sql reproduces the parts of Supabase this file relies on.

BEGIN;

DO $$
DECLARE
    missing text;
BEGIN
    IF to_regclass('public.borrowers') IS NULL THEN
        RAISE EXCEPTION 'table public.borrowers is missing: run the migrations first';
    END IF;
    IF to_regprocedure('auth.uid()') IS NULL THEN
        RAISE EXCEPTION 'auth.uid() is missing: this file is for Supabase';
    END IF;
    SELECT string_agg(r, ', ') INTO missing
    FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS r
    WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'Supabase roles missing: %', missing;
    END IF;
    SELECT string_agg(DISTINCT format('%s (owner %s)', c.relname, o.rolname), ', ') INTO missing
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    JOIN pg_roles AS o ON o.oid = c.relowner
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      AND NOT (o.rolsuper OR o.rolbypassrls);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'table owners cannot bypass row-level security: %', missing
            USING HINT = 'FORCE would hide every row from the backend and the migrations';
    END IF;
END
$$;

-- The helper lives outside the schemas the Data API exposes (public, graphql_public), so it is
-- not an RPC endpoint. SECURITY DEFINER because `authenticated` cannot read borrowers.subject;
-- the empty search_path keeps a caller's objects from shadowing anything it names.
CREATE SCHEMA IF NOT EXISTS app_private;
REVOKE ALL ON SCHEMA app_private FROM PUBLIC, anon;
REVOKE CREATE ON SCHEMA app_private FROM authenticated, service_role;
-- Policy expressions run with the querying role's privileges, so it needs to reach the helper.
GRANT USAGE ON SCHEMA app_private TO authenticated, service_role;

CREATE OR REPLACE FUNCTION app_private.current_borrower_id()
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT b.id::text
    FROM public.borrowers AS b
    WHERE b.subject = 'supabase:' || auth.uid()::text
$$;

COMMENT ON FUNCTION app_private.current_borrower_id() IS
    'The borrower of the Supabase Auth user making the request (subject supabase:<auth.uid()>), '
    'or null. Used by the row-level security policies of sql/policies/supabase_rls.sql.';
REVOKE ALL ON FUNCTION app_private.current_borrower_id() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION app_private.current_borrower_id() TO authenticated, service_role;

-- Close everything first; what borrowers may read is granted back below. REVOKE on a table
-- also revokes its column grants, so a re-run starts from a clean slate.
DO $$
DECLARE
    rel record;
    pol record;
BEGIN
    FOR rel IN
        SELECT c.oid::regclass AS name, c.relkind
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    LOOP
        EXECUTE format('REVOKE ALL ON TABLE %s FROM PUBLIC, anon, authenticated', rel.name);
        EXECUTE format('GRANT ALL ON TABLE %s TO service_role', rel.name);
        IF rel.relkind IN ('r', 'p') THEN
            EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', rel.name);
            EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', rel.name);
        END IF;
    END LOOP;
    -- Our policies are all named creditscore_*: dropping them all lets a re-run of a newer
    -- version of this file remove the ones it no longer creates. Other policies are left alone.
    FOR pol IN
        SELECT p.policyname, format('%I.%I', p.schemaname, p.tablename) AS tablename
        FROM pg_policies AS p
        WHERE p.schemaname = 'public' AND p.policyname LIKE 'creditscore\_%'
    LOOP
        EXECUTE format('DROP POLICY %I ON %s', pol.policyname, pol.tablename);
    END LOOP;
END
$$;

REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC, anon, authenticated;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO service_role;

ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM anon, authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO service_role;

-- The borrower tables: (table, column naming the row's borrower).
DO $$
DECLARE
    t record;
    readable text;
BEGIN
    FOR t IN
        SELECT *
        FROM (
            VALUES
                ('borrowers', 'id'),
                ('business_connections', 'borrower_id'),
                ('orders', 'borrower_id'),
                ('settlements', 'borrower_id'),
                ('affiliate_commissions', 'borrower_id'),
                ('returns', 'borrower_id'),
                ('scores', 'borrower_id'),
                ('lender_grants', 'borrower_id')
        ) AS v (tablename, borrower_column)
    LOOP
        IF to_regclass(format('public.%I', t.tablename)) IS NULL THEN
            RAISE EXCEPTION 'table public.% is missing: is the schema at the migrations'' head?',
                t.tablename;
        END IF;
        -- Deny by name pattern rather than allow by list, so a secret column a later migration
        -- adds with a telling name stays closed even before anyone updates this file.
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO readable
        FROM pg_attribute AS a
        WHERE a.attrelid = format('public.%I', t.tablename)::regclass
          AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attname !~* '(_enc$|token|secret|password|hash|cipher|cursor)';
        EXECUTE format('GRANT SELECT (%s) ON TABLE public.%I TO authenticated',
            readable, t.tablename);
        EXECUTE format(
            'CREATE POLICY creditscore_borrower_reads_own ON public.%I AS PERMISSIVE FOR SELECT '
            'TO authenticated USING (%I = (SELECT app_private.current_borrower_id()))',
            t.tablename, t.borrower_column);
    END LOOP;
END
$$;

-- Said out loud although the pattern above already leaves them out: the token envelopes.
REVOKE SELECT (access_token_enc, refresh_token_enc) ON TABLE public.business_connections
    FROM PUBLIC, anon, authenticated;

COMMIT;
