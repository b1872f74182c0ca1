"""`herald dev`: the whole stack in one terminal (embedded PostgreSQL, Temporal dev server,
migrations, worker, API)."""
