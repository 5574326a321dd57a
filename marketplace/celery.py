"""The Celery application.

Configuration comes from Django settings under the ``CELERY_`` prefix; with no
``REDIS_URL`` the tasks run eagerly in the calling process (see settings).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
# Tasks sent from other threads (a threaded WSGI server, a test's threads) must use this app too,
# not a fallback "default" app with another configuration.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
