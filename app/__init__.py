"""The creditscore service: HTTP API, database, jobs, CLI and borrower pages.

The only package that knows FastAPI and SQLAlchemy; it drives `connectors` and `scoring`.
"""
