"""Tests of the SQL shipped beside the migrations (Supabase row-level security)."""
