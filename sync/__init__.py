"""The running hub: store, inbox, jobs, scheduler, HTTP, CLI and executor."""
