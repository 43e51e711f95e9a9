"""Platform connectors: HTTP clients that turn a platform's API into canonical records.

No database and no web framework here: the app hands a connector an ``httpx.AsyncClient``
and a ``TokenStore`` and receives records and checkpoints.
"""
