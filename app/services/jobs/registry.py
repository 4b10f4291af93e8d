"""Job handlers: `@handler(kind)` registers the function that does a kind of job. Handlers live next to their
domain; HANDLER_MODULES lists those modules so that every process (web and worker) knows every kind."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import NotFound

# Modules that register handlers (imported once, lazily: they import their domain services).
HANDLER_MODULES = [
    "app.services.imports.job",  # "import": a CSV import of items, stock or sales
    "app.services.control_tower.export_job",  # "export": one of the CSV exports, as a file to download
    "app.services.notifications.job",  # "digest": "Send me a digest now" (the member's digest, mailed at once)
]


@dataclass(frozen=True)
class Handler:
    kind: str
    run: Callable[[Any], dict]
    # The permission the job's creator needs to start, retry and download it: a name, or a function of the
    # params giving one (an import of sales needs sales.import). Checked again by the domain service it calls.
    permission: str | Callable[[dict], str] | None = None
    # Optional check of the params before anything is recorded: raises a DomainError (e.g. NotFound).
    check: Callable[[dict], None] | None = None
    # Params no longer needed once the job succeeded (only a retry of a failed job runs again): dropped then,
    # so that e.g. an imported file's text is not kept for ever.
    drop_on_success: tuple[str, ...] = ()

    def permission_for(self, params: dict) -> str | None:
        """The permission this job needs, given its params."""
        return self.permission(params) if callable(self.permission) else self.permission


HANDLERS: dict[str, Handler] = {}
_loaded = False


def handler(kind: str, *, permission: str | Callable[[dict], str] | None = None,
            check: Callable[[dict], None] | None = None, drop_on_success: tuple[str, ...] = ()):
    """Register `fn(ctx) -> dict` as the handler of `kind` jobs (the dict is stored as the job's result; a
    "download": {"filename", "content_type", "text"} entry is offered on the job's page)."""

    def decorator(fn):
        HANDLERS[kind] = Handler(kind=kind, run=fn, permission=permission, check=check,
                                 drop_on_success=tuple(drop_on_success))
        return fn

    return decorator


def load_handlers() -> None:
    """Import every handler module once (the worker process calls this before its first job)."""
    global _loaded
    if _loaded:
        return
    for name in HANDLER_MODULES:
        importlib.import_module(name)
    _loaded = True


def get_handler(kind: str) -> Handler:
    """The handler of `kind`, or NotFound."""
    load_handlers()
    found = HANDLERS.get(kind)
    if found is None:
        raise NotFound(f"There is no “{kind}” job.")
    return found
