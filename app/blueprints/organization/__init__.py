"""Organization administration: team, invitations, roles, settings (pages in routes.py, JSON in api.py)."""
