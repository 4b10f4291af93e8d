"""Global ingredient library pages."""
