"""SQL storage: SQLAlchemy 2 Core on SQLite (embedded default) or PostgreSQL (psycopg 3)."""
