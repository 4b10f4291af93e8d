"""WSGI entry point: `gunicorn wsgi:app`. No gevent monkey-patching here (gunicorn's worker does its own)."""
from app import create_app

app = create_app()
