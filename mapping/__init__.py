"""Admin-configured correspondence tables and the preflight that replays orders."""
