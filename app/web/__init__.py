"""Server-rendered borrower pages."""
