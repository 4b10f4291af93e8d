#!/usr/bin/env bash
# PaaS build step: install, migrate, seed reference data. Start command: gunicorn wsgi:app
set -euo pipefail
cd "$(dirname "$0")/.."
pip install -r requirements.txt
flask --app wsgi db upgrade
flask --app wsgi init-production
