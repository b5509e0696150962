"""Sync between the local SQLite store and the shared PostgreSQL database.

No Qt here: the engine runs one round (push the outbox, pull each bucket), the
conflict policy lives in the server's push function, and the sync-issues list is
read and resolved through :mod:`crmdesk.sync.issues`.
"""
