"""Secret values: read from the environment (`env:NAME`) or a file (`file:PATH`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr


class SecretSourceError(ValueError):
    """A secret reference could not be resolved."""


def resolve_secret(
    value: str,
    *,
    base_dir: Path,
    allow_literal: bool,
    environ: Mapping[str, str] | None = None,
) -> SecretStr:
    """Resolve `env:NAME`, `file:PATH` (relative to the config's folder) or a literal.

    `environ` defaults to the process environment. Returns the secret wrapped so that
    it never prints. Raises SecretSourceError when the variable or file is missing or
    empty, or when a literal value is given and literals are not allowed (production
    configurations). The messages never contain the secret itself.
    """
    if value.startswith("env:"):
        return _from_environment(value[4:], os.environ if environ is None else environ)
    if value.startswith("file:"):
        return _from_file(value[5:], base_dir)
    if not allow_literal:
        raise SecretSourceError(
            "a literal secret is not allowed here; write env:NAME or file:PATH "
            '(literals are accepted only with environment = "sandbox" or "development")'
        )
    if not value:
        raise SecretSourceError("the secret is empty")
    return SecretStr(value)


def _from_environment(name: str, environ: Mapping[str, str]) -> SecretStr:
    if not name:
        raise SecretSourceError("env: needs a variable name, e.g. env:SHOPIFY_TOKEN")
    if name not in environ:
        raise SecretSourceError(f"environment variable {name} is not set")
    if not environ[name].strip():
        raise SecretSourceError(f"environment variable {name} is empty")
    return SecretStr(environ[name].strip())


def _from_file(reference: str, base_dir: Path) -> SecretStr:
    path = Path(reference).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretSourceError(
            f"cannot read secret file {path}: {exc.strerror or exc}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise SecretSourceError(f"secret file {path} is not UTF-8 text") from exc
    if not text:
        raise SecretSourceError(f"secret file {path} is empty")
    return SecretStr(text)
