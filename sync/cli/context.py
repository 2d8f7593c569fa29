"""What every command shares: the `--config` option, settings, the store, errors.

Expected failures end as one clear line on stderr and an exit code, never a
traceback: 2 for a configuration problem (every problem listed), 1 for a failure.

This module is imported by every command module, and so by `o2c-hub --help`: it
imports no database, web or connector library at module level. Commands import
what they use inside their functions.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer
from rich.console import Console

from o2c.errors import ConfigurationError, HubError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from config.settings import Settings

logger = logging.getLogger(__name__)

EXIT_FAILURE = 1
EXIT_CONFIG = 2

P = ParamSpec("P")
R = TypeVar("R")

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class CliState:
    """Options given before the command (`o2c-hub --config FILE <command>`)."""

    config: Path | None = None


def state(ctx: typer.Context) -> CliState:
    """Return the global options of this invocation."""
    found = ctx.find_object(CliState)
    return found if found is not None else CliState()


def settings_of(ctx: typer.Context) -> Settings:
    """Load and validate the configuration; raises ConfigError with every problem."""
    from config.settings import load_settings

    return load_settings(state(ctx).config)


def open_store(settings: Settings) -> Engine:
    """Return an engine on the configured store, its schema brought up to date."""
    from sync.store.db import make_engine, migrate

    engine = make_engine(settings.store_url)
    migrate(engine)
    return engine


def fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    """Print `message` on stderr and return the exit to raise."""
    stderr.print(message, markup=False)
    return typer.Exit(code)


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so expected errors become a message and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except _loaded("config.settings", "ConfigError") as exc:
            raise fail(_config_problems(exc), EXIT_CONFIG) from None
        except ConfigurationError as exc:
            raise fail(f"configuration problem: {exc}", EXIT_CONFIG) from None
        except HubError as exc:
            raise fail(f"error: {exc}") from None
        except _loaded("sqlalchemy.exc", "SQLAlchemyError") as exc:
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise fail(f"error: the store cannot be used: {detail}") from None
        except OSError as exc:
            raise fail(f"error: {exc}") from None

    return wrapper


def _loaded(module: str, name: str) -> tuple[type[Exception], ...]:
    """Return the exception class `module.name` if that module is imported, else ().

    A command that never imported a library cannot raise its errors, so the
    check costs no import (`except ()` matches nothing).
    """
    found = sys.modules.get(module)
    return (getattr(found, name),) if found is not None else ()


def _config_problems(exc: Exception) -> str:
    """Return the lines of a ConfigError: where, then one line per problem."""
    path = getattr(exc, "path", None)
    where = f" in {path}" if path else ""
    lines = [f"configuration problem(s){where}:"]
    lines += [f"  {problem}" for problem in getattr(exc, "problems", [])]
    return "\n".join(lines)
