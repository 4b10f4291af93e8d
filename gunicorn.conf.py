"""gunicorn settings: `gunicorn wsgi:app` (reads this file). Override with GUNICORN_* / WEB_CONCURRENCY."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
_database_url = os.environ.get("DATABASE_URL", "")
# Without Redis the rate limits (failed-login throttling) and the cache live in each process's memory,
# so several worker processes would each allow the limit and serve each other's stale cache: one
# process (with threads) then. With Redis every worker shares them and we scale out.
workers = int(os.environ.get(
    "WEB_CONCURRENCY", max(2, multiprocessing.cpu_count()) if os.environ.get("REDIS_URL") else 1))
# gevent on PostgreSQL (psycopg2 made cooperative below); threads on the embedded SQLite database,
# whose file lock would block a gevent worker's whole event loop.
worker_class = os.environ.get(
    "GUNICORN_WORKER_CLASS", "gevent" if _database_url.startswith("postgres") else "gthread"
)
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "100"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """Under gevent, let psycopg2 yield to other greenlets while it waits on PostgreSQL."""
    if "gevent" in type(worker).__module__:
        from psycogreen.gevent import patch_psycopg

        patch_psycopg()


def post_worker_init(worker):
    """Move the application's start-up objects (modules, mappers, routes: ~190,000) out of the garbage
    collector's sight: otherwise each full collection walks them all, a ~75 ms pause that stalls every
    request in flight and made the tail latency (p99) three times the median."""
    import gc

    gc.collect()
    gc.freeze()
