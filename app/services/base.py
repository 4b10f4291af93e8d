"""Unit of work: one public service call = one transaction, committed only by the outermost call."""
from __future__ import annotations

import functools
from contextlib import contextmanager

from ..database import begin_write
from ..extensions import db

_DEPTH_KEY = "batchtrack_uow_depth"


@contextmanager
def transaction():
    """Commit when this is the outermost unit of work, roll back on any error; inner calls only flush."""
    session = db.session
    depth = session.info.get(_DEPTH_KEY, 0)
    session.info[_DEPTH_KEY] = depth + 1
    try:
        if depth == 0:
            begin_write()
        yield session
        if depth == 0:
            session.commit()
        else:
            session.flush()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH_KEY] = depth


def unit_of_work(func):
    """Decorator form of transaction() for public service functions."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with transaction():
            return func(*args, **kwargs)

    return wrapper


def in_transaction() -> bool:
    """Is a unit of work open on this session?"""
    return db.session.info.get(_DEPTH_KEY, 0) > 0
