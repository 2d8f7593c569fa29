"""Settings schema and loading: TOML file plus environment overrides."""
