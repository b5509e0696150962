"""The server side of sync: the PostgreSQL schema and its administration."""
