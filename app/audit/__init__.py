"""The audit log: recording every access and change, and showing borrowers who read their data."""
