"""``publishing.format`` must never import Django (STYLE.md section 6)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_importing_the_format_package_does_not_load_django():
    code = (
        "import sys\n"
        "import publishing.format, publishing.format.cli\n"
        "import publishing.format.archive, publishing.format.builder\n"
        "import publishing.format.package, publishing.format.manifest\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)\n"
        "print('ok')\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_publishing_package_init_stays_empty():
    assert (ROOT / "publishing" / "__init__.py").read_text().strip() == ""
