"""The job queue: a Huey instance built from `[queue]` settings.

`sqlite` (the embedded default) keeps the queue in a file beside the configuration;
`redis` uses a Redis server; `postgres` keeps the queue in PostgreSQL tables through
Huey's SQL storage (peewee on psycopg2). The jobs are the same whatever the backend.
"""

from __future__ import annotations

import logging

from huey import Huey, RedisHuey, SqliteHuey

from config.settings import Settings
from o2c.errors import ConfigurationError

logger = logging.getLogger(__name__)

SQLITE_QUEUE_TIMEOUT = 30  # seconds a queue write waits for the file lock


def make_huey(settings: Settings) -> Huey:
    """Return the Huey instance of the configured queue backend (results off).

    Raises ConfigurationError for a URL the backend cannot use.
    """
    queue = settings.queue
    if queue.backend == "sqlite":
        filename = settings.queue_url.removeprefix("sqlite:///")
        return SqliteHuey(
            queue.name, filename=filename, results=False, timeout=SQLITE_QUEUE_TIMEOUT
        )
    if queue.backend == "redis":
        return RedisHuey(queue.name, url=queue.url, results=False)
    return _postgres_huey(queue.name, queue.url)


def _postgres_huey(name: str, url: str) -> Huey:
    from huey.contrib.sql_huey import SqlHuey

    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith(("postgresql", "postgres")):
        raise ConfigurationError(
            f"queue backend 'postgres' needs a postgresql:// URL, not {scheme!r}"
        )
    # peewee names the scheme without SQLAlchemy's "+driver" suffix.
    return SqlHuey(name, database=f"postgresql://{rest}", results=False)
