"""Real peers for tests: PostgreSQL, Temporal servers and HTTP receivers on 127.0.0.1."""
