"""Settings for ``scripts/benchmark_search.py`` only: the project's settings, plus a URLconf with a minimal view.

``marketplace/settings.py`` does not read ``ROOT_URLCONF`` from the environment, so the
benchmark points ``DJANGO_SETTINGS_MODULE`` here (with ``scripts/`` on ``PYTHONPATH``).
``BENCH_STATIC_ROOT`` moves ``collectstatic``'s output into the benchmark's temporary
directory, so that a run leaves nothing in the work tree. Never used by the site itself.
"""

import os

from marketplace.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
