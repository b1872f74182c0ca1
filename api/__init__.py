"""Herald's REST API (FastAPI)."""
