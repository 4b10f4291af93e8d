"""A recipe version a batch used is frozen: batches point at it as the exact snapshot they were made from.

recipes.update_recipe already writes edits of a locked version into a new version; this guard makes the rule
hold for every other path too (a future service, a CLI command, a script): any flush that would change a
locked version's yield or lines — or add, edit or remove one of its lines — fails with InvalidState and the
service call rolls back.
"""
from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ...models import RecipeLine, RecipeVersion
from .. import tenancy
from ..errors import InvalidState

# Columns of a version that may still change once it is locked: none but the lock itself.
_MUTABLE_WHEN_LOCKED = {"locked_at", "updated_at"}


def _was_locked(version: RecipeVersion) -> bool:
    """Locked before this flush (setting locked_at now is the act of locking, which is allowed)."""
    state = inspect(version)
    if state.pending:
        return False
    if "locked_at" not in state.dict:
        getattr(version, "locked_at")  # expired after a commit: load it (pending changes are kept)
    history = state.attrs.locked_at.history
    before = history.deleted[0] if history.deleted else (history.unchanged[0] if history.unchanged else None)
    return before is not None


def _changed_columns(obj) -> set[str]:
    state = inspect(obj)
    changed = set()
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.added and list(history.added) != list(history.deleted):
            changed.add(attr.key)
    return changed


def _refuse(version: RecipeVersion, what: str) -> None:
    raise InvalidState(f"Version {version.version} of this recipe was used by a batch and cannot change ({what}); "
                       "edit the recipe to make a new version.")


@event.listens_for(Session, "before_flush")
def _keep_locked_versions_frozen(session, _flush_context, _instances) -> None:
    with session.no_autoflush:
        for obj in session.dirty:
            if isinstance(obj, RecipeVersion) and _was_locked(obj):
                changed = _changed_columns(obj) - _MUTABLE_WHEN_LOCKED
                if changed:
                    _refuse(obj, ", ".join(sorted(changed)))
                lines = inspect(obj).attrs.lines.history
                if lines.added or lines.deleted:
                    _refuse(obj, "lines")
        touched = [(line, "line edited") for line in session.dirty if isinstance(line, RecipeLine)
                   and _changed_columns(line)]
        touched += [(line, "line removed") for line in session.deleted if isinstance(line, RecipeLine)]
        touched += [(line, "line added") for line in session.new if isinstance(line, RecipeLine)]
        for line, what in touched:
            version = (tenancy.find_for_org(RecipeVersion, line.organization_id, id=line.version_id)
                       if line.version_id else None)
            if version is not None and _was_locked(version):
                _refuse(version, what)
