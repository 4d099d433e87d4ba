"""Store plumbing below ``cases.store``: the PostgreSQL/PostGIS connection and schema, and whole-store copies."""
