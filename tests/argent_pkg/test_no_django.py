"""The format library and the ``mkt`` client never import Django (docs/architecture.md, "The format library and the client").

``lint-imports`` checks the imports statically; this test checks what importing them
actually loads, in a fresh interpreter. The CI stage ``scripts/test.sh`` "mkt wheel in a
fresh venv" checks the same without Django installed at all.
"""

from __future__ import annotations

import os
import subprocess
import sys


def test_importing_the_format_library_and_the_client_does_not_load_django():
    code = (
        "import sys\n"
        "import argent_pkg, argent_pkg.archive, argent_pkg.builder, argent_pkg.package, argent_pkg.manifest\n"
        "import argent_mkt.cli, argent_mkt.client, argent_mkt.install, argent_mkt.safe_write\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)\n"
        "print('ok')\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
