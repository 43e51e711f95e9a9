-- A small stand-in for what a Supabase project provides, so sql/policies/supabase_rls.sql can be
-- tested on a plain PostgreSQL: the roles anon, authenticated and service_role, the auth schema
-- with auth.uid() as Supabase defines it, and the grants Supabase makes on schema public
-- (including its default privileges, which hand every new table to anon and authenticated:
-- the state the policies must close).
--
-- Roles are cluster-wide, shared by every database on the server: they are created only when
-- missing, NOLOGIN (nobody can connect as them; tests reach them with SET ROLE), and never
-- dropped, since another database or a concurrent test run may use them. An existing role is
-- left exactly as it is. Everything else here is per database and goes with the test database.
-- Re-runnable.

DO $$
DECLARE
    spec record;
BEGIN
    FOR spec IN
        SELECT *
        FROM (
            VALUES
                ('anon', 'NOLOGIN NOINHERIT'),
                ('authenticated', 'NOLOGIN NOINHERIT'),
                ('service_role', 'NOLOGIN NOINHERIT BYPASSRLS')
        ) AS v (rolname, options)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = spec.rolname) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I %s', spec.rolname, spec.options);
            EXCEPTION
                -- Another session created it between our check and our CREATE.
                WHEN duplicate_object OR unique_violation THEN NULL;
            END;
        END IF;
    END LOOP;
END
$$;

CREATE SCHEMA IF NOT EXISTS auth;

-- As Supabase: PostgREST puts the verified JWT's claims in request.jwt.claims (older versions
-- in request.jwt.claim.sub); a setting made with is_local reads back as '' once its
-- transaction is over, hence the nullif.
CREATE OR REPLACE FUNCTION auth.uid()
RETURNS uuid
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
    )::uuid
$$;

CREATE OR REPLACE FUNCTION auth.role()
RETURNS text
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(
        nullif(current_setting('request.jwt.claim.role', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
    )::text
$$;

CREATE OR REPLACE FUNCTION auth.jwt()
RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO anon, authenticated, service_role;

GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON ALL TABLES IN SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON ALL FUNCTIONS IN SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
