"""SQL storage: engine set-up, table definitions, schema versions and migrations."""
