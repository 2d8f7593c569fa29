"""The hub's database: models, engine, migrations."""
