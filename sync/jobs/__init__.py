"""Background work of the hub: the queue, its jobs, the worker, polling and backfill."""
