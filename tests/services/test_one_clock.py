"""One clock: services, blueprints and models read the time through app.models.types.utcnow."""
from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
CLOCK = re.compile(r"^def (utc)?_?now\(\) -> datetime|datetime\.now\((timezone\.)?(utc|UTC)\)", re.M)
# authz.py is on the request path being reworked in another change (issue 11); it moves to utcnow with it.
ALLOWED = {"models/types.py", "services/authz.py"}


def test_no_module_keeps_its_own_utcnow():
    """Does any module outside models/types.py define its own utcnow or call datetime.now(timezone.utc)?"""
    offenders = [str(path.relative_to(APP)) for path in APP.rglob("*.py")
                 if str(path.relative_to(APP)) not in ALLOWED and CLOCK.search(path.read_text())]
    assert not offenders, offenders
