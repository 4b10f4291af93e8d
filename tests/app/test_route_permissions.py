"""scripts/audit_route_permissions.py: every non-public route declares the permission it requires."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_tenant_route_declares_a_permission():
    result = subprocess.run([sys.executable, "scripts/audit_route_permissions.py"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "/login" in result.stdout
