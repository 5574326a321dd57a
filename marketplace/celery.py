"""The Celery application, the errors every task retries, and the one way to enqueue after a commit.

Configuration comes from Django settings under the ``CELERY_`` prefix; with no
``REDIS_URL`` the tasks run eagerly in the calling process (see settings).

Side effects of a committed write (e-mails, the wrapped artifact, statistics)
are tasks enqueued with :func:`enqueue_on_commit`: the request that made the
write never waits on, nor fails because of, a mail server or a broker
(``docs/architecture.md``, "Side effects leave the request").
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket

import redis.exceptions
from botocore.exceptions import BotoCoreError, ClientError
from celery import Celery
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

logger = logging.getLogger(__name__)

app = Celery("marketplace")
# Tasks sent from other threads (a threaded WSGI server, a test's threads) must use this app too,
# not a fallback "default" app with another configuration.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


#: Errors worth retrying with backoff, for every task: a mail server that refused or dropped the
#: connection, storage (local disk, S3) and database hiccups, a broker or Redis that went away.
#: A task that fails with anything else is a bug and is not retried.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    smtplib.SMTPException,
    socket.gaierror,
    OSError,  # ConnectionError and TimeoutError are OSErrors; so are storage read/write errors.
    BotoCoreError,
    ClientError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    BrokerError,
    OperationalError,
    InterfaceError,
)

#: Options of every side-effect task (e-mails, re-packing): retried with exponential backoff for
#: up to about an hour on the errors above, acknowledged only once done.
SIDE_EFFECT_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 10,
    "soft_time_limit": 120,
    "time_limit": 180,
}


def enqueue(task, *args) -> bool:
    """Send ``task`` with positional ``args`` (primary keys); False, logged, when it could not be sent.

    Never raises: a broker that is down, or (when tasks run eagerly, as in the
    demo) a task that failed after its retries, is logged and the caller's
    answer stays what its committed data says. Work that must not be lost
    when the broker is down has a sweep of its own (``submissions_sweep``).
    """
    try:
        task.delay(*args)
    except Exception:
        logger.warning("Could not run or enqueue %s%r.", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Enqueue ``task(*args)`` once the current transaction commits (at once outside one).

    Rule: tasks are enqueued only from ``on_commit``, so a worker never sees a
    row that was rolled back (STYLE: "Celery tasks stay thin").
    """
    from django.db import transaction

    transaction.on_commit(lambda: enqueue(task, *args))
