"""Public pages anyone may open without signing in: a lot's page behind the QR code on its label."""
