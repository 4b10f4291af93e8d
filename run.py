"""Development server: `python run.py` serves on 127.0.0.1:5000 (never 0.0.0.0)."""
import os

from app import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")), debug=False)
