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

The access and error logs go through :class:`MaskingLogger`, which masks
license keys, tokens and credentials in every line (``marketplace.logmask``):
the ArgentOS client puts ``?key=`` in its download URLs.
"""

from __future__ import annotations

import gc
import os

from gunicorn.glogging import Logger

from marketplace.logmask import SECRET_HEADERS, SecretMaskingFilter, mask_secrets

workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 30
timeout = 60
graceful_timeout = 30


class MaskingLogger(Logger):
    """gunicorn's logger with secrets masked in the access log's atoms and in error messages.

    Every text atom of the access log (the request line ``%(r)s``, the path
    ``%(U)s``, the query ``%(q)s``, the referrer ``%(f)s``, headers
    ``%({name}i)s``, environment ``%({name}e)s``) goes through
    :func:`marketplace.logmask.mask_secrets`; the headers of
    :data:`marketplace.logmask.SECRET_HEADERS` are masked whole. Both
    loggers also carry :class:`marketplace.logmask.SecretMaskingFilter`, so
    error messages and whatever ``access_log_format`` makes of the atoms are masked too.
    """

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if not isinstance(value, str):
                continue
            if name.startswith("{") and name[1:-2] in SECRET_HEADERS:
                atoms[name] = "***"
            else:
                atoms[name] = mask_secrets(value)
        return atoms

    def setup(self, cfg) -> None:
        """gunicorn's handlers, then the masking filter on both loggers (error messages, custom formats)."""
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, SecretMaskingFilter) for f in log.filters):
                log.addFilter(SecretMaskingFilter())


logger_class = MaskingLogger


def post_worker_init(worker) -> None:
    """After the worker has loaded the application: collect once, then freeze what survived."""
    gc.collect()
    gc.freeze()
