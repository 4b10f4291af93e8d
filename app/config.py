"""Configuration classes; FLASK_ENV picks one, DATABASE_URL / REDIS_URL override the embedded defaults."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """Raised when a configuration cannot start (e.g. production without its secrets)."""


def normalize_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// spellings as hosting providers give them; use psycopg2."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


class BaseConfig:
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'batchtrack.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL: str | None = None
    # Background jobs run on RQ workers (queue "batchtrack" in REDIS_URL) unless JOBS_INLINE is on (or there is
    # no Redis): then they run inside the request that starts them.
    JOBS_INLINE = os.environ.get("JOBS_INLINE", "").strip().lower() in ("1", "true", "yes", "on")
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE") or "batchtrack"

    SESSION_TYPE = "filesystem"
    SESSION_FILE_DIR = str(INSTANCE_DIR / "sessions")
    SESSION_PERMANENT = True
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "batchtrack_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"

    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 300

    WTF_CSRF_TIME_LIMIT = None
    # Mail: suppressed (and written to the log with its links) except in production, which sends
    # through MAIL_SERVER and never logs a body. The MAIL_* variables are read again at start-up.
    MAIL_SUPPRESS_SEND = True
    MAIL_LOG_BODIES = True
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "BatchTrack <no-reply@batchtrack.local>")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")

    PASSWORD_RESET_TTL = timedelta(hours=1)
    INVITE_TTL = timedelta(days=7)
    BILLING_GRACE_DAYS = int(os.environ.get("BILLING_GRACE_DAYS", "7"))
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    # Whop memberships (second billing provider): a Standard Webhooks secret (whsec_ + base64) and
    # "plan_id:tier" pairs separated by commas.
    WHOP_WEBHOOK_SECRET = os.environ.get("WHOP_WEBHOOK_SECRET")
    WHOP_PLAN_TIERS = os.environ.get("WHOP_PLAN_TIERS", "")
    # Sign in with Google (OpenID Connect); without a client id the button is hidden and the routes 404.
    GOOGLE_CLIENT_ID = os.environ.get("GOOGLE_CLIENT_ID")
    GOOGLE_CLIENT_SECRET = os.environ.get("GOOGLE_CLIENT_SECRET")
    GOOGLE_DISCOVERY_URL = os.environ.get("GOOGLE_DISCOVERY_URL",
                                          "https://accounts.google.com/.well-known/openid-configuration")
    OIDC_ALLOW_PLAIN_HTTP = True  # a local provider over http:// (development, tests); production needs https
    # AI recipe assistant (flag ai_assistant): an OpenAI-compatible API root (…/v1), its key and model.
    AI_BASE_URL = os.environ.get("AI_BASE_URL", "https://api.openai.com/v1")
    AI_API_KEY = os.environ.get("AI_API_KEY")
    AI_MODEL = os.environ.get("AI_MODEL", "gpt-4o-mini")
    AI_TIMEOUT = float(os.environ.get("AI_TIMEOUT") or 20)  # seconds
    AI_MONTHLY_QUOTA = int(os.environ.get("AI_MONTHLY_QUOTA") or 100)  # requests per organization per UTC month

    API_TITLE = "BatchTrack API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = None  # the document is served by our own route at /api/v1/openapi.json
    PROPAGATE_EXCEPTIONS = False
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    SETTINGS_FILE = str(PROJECT_ROOT / "settings.json")

    @classmethod
    def apply_environment(cls, config: dict) -> None:
        """DATABASE_URL and REDIS_URL, when set, override the embedded defaults in every config."""
        database_url = os.environ.get("DATABASE_URL")
        if database_url:
            config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(database_url)
        redis_url = os.environ.get("REDIS_URL")
        if redis_url:
            use_redis(config, redis_url)
        apply_mail_environment(config)


def apply_mail_environment(config: dict) -> None:
    """MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS, MAIL_USE_SSL and
    MAIL_DEFAULT_SENDER from the environment, when set."""
    for name in ("MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_DEFAULT_SENDER"):
        if os.environ.get(name):
            config[name] = os.environ[name]
    if os.environ.get("MAIL_PORT"):
        try:
            config["MAIL_PORT"] = int(os.environ["MAIL_PORT"])
        except ValueError:
            raise ConfigError(f"MAIL_PORT must be a port number, not {os.environ['MAIL_PORT']!r}.") from None
    for name in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if os.environ.get(name):
            config[name] = os.environ[name].strip().lower() in ("1", "true", "yes", "on")


def use_redis(config: dict, redis_url: str) -> None:
    """Point sessions, cache and rate limits at one Redis server."""
    import redis

    # Short timeouts: an unreachable Redis must turn into a quick 503 (app/redis_outage.py), not a hung worker.
    timeouts = {"socket_connect_timeout": 2, "socket_timeout": 5}
    config["REDIS_URL"] = redis_url
    config["SESSION_TYPE"] = "redis"
    config["SESSION_REDIS"] = redis.Redis.from_url(redis_url, **timeouts)
    config["RATELIMIT_STORAGE_URI"] = redis_url
    config["RATELIMIT_STORAGE_OPTIONS"] = {**timeouts, **(config.get("RATELIMIT_STORAGE_OPTIONS") or {})}
    config["CACHE_TYPE"] = "RedisCache"
    config["CACHE_REDIS_URL"] = redis_url


class DevelopmentConfig(BaseConfig):
    DEBUG = False
    SECRET_KEY = os.environ.get("SECRET_KEY")  # a per-instance key is generated when unset


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SESSION_TYPE = "cachelib"
    WTF_CSRF_ENABLED = True
    BCRYPT_LOG_ROUNDS = 4
    STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
    STRIPE_SECRET_KEY = "sk_test_batchtrack"
    JOBS_INLINE = True  # tests run jobs in the test; tests/services/jobs runs a real RQ worker on purpose


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SESSION_TYPE = "redis"
    PREFERRED_URL_SCHEME = "https"
    MAIL_SUPPRESS_SEND = False  # mail really goes out through MAIL_SERVER
    MAIL_LOG_BODIES = False  # one-time links never reach the log
    OIDC_ALLOW_PLAIN_HTTP = False

    REQUIRED = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")

    @classmethod
    def apply_environment(cls, config: dict) -> None:
        missing = [name for name in cls.REQUIRED if not os.environ.get(name)]
        if missing:
            raise ConfigError(
                "Production configuration refuses to start: set the environment variable(s) "
                + ", ".join(missing)
                + " (see README, 'Production deployment')."
            )
        config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        super().apply_environment(config)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None) -> type[BaseConfig]:
    """The config class for FLASK_ENV (development | testing | production; default development)."""
    key = (name or "development").strip().lower()
    if key not in CONFIGS:
        raise ConfigError(f"FLASK_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.")
    return CONFIGS[key]
