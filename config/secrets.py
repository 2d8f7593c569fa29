"""Secret values: read from the environment (`env:NAME`) or a file (`file:PATH`)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import SecretStr


class SecretSourceError(ValueError):
    """A secret reference could not be resolved."""


def resolve_secret(value: str, *, base_dir: Path, allow_literal: bool) -> SecretStr:
    """Resolve `env:NAME`, `file:PATH` (relative to the config's folder) or a literal.

    Raises SecretSourceError when the variable or file is missing, or when a literal
    value is given and literals are not allowed (production configurations).
    """
    if value.startswith("env:"):
        name = value[4:]
        if name not in os.environ:
            raise SecretSourceError(f"environment variable {name} is not set")
        return SecretStr(os.environ[name])
    if value.startswith("file:"):
        path = Path(value[5:]).expanduser()
        if not path.is_absolute():
            path = base_dir / path
        try:
            return SecretStr(path.read_text(encoding="utf-8").strip())
        except OSError as exc:
            raise SecretSourceError(
                f"cannot read secret file {path}: {exc.strerror}"
            ) from exc
    if not allow_literal:
        raise SecretSourceError(
            "a literal secret is not allowed here; write env:NAME or file:PATH "
            '(literals are accepted only with environment = "sandbox" or "development")'
        )
    return SecretStr(value)
