#!/usr/bin/env python
"""What TUF and the transparency log add to ``mkt install`` with a warm metadata cache.

Starts the demo site (``manage.py migrate``, ``load_demo``, ``runserver``; SQLite, local files,
eager Celery, as ``make run``) in a temporary directory, installs a package once (which pins the
TUF root and the log key and fills the metadata cache), then times ``argent_mkt.install.install``
of the same release (``reinstall``, no install report) alternately with every check and without
the TUF and log steps (the client's older path: the catalog's artifact URL and the plain blocklist).
The difference of the medians is the overhead. Target (the issue's "Done when"): under 300 ms.

    .venv/bin/python scripts/benchmark_install_overhead.py [--runs 30] [--package weather-connector]

Prints each median and the spread, then ``PASS`` or ``MISS``; exits 1 on a ``MISS``. Every timed
install must succeed (an error answer is not measured).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 300.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_site(work: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATA_DIR": str(work / "data"),
        "SITE_URL": url,
        "MFA_REQUIRED_FOR_PUBLISHING": "false",
        "MFA_REQUIRED_FOR_STAFF": "false",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput"], ["load_demo"]):
        subprocess.run([*manage, *command], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/api/v1/log", timeout=2).read()  # noqa: S310 - our own http URL
            return server, url
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit("the demo site did not start") from None
            time.sleep(0.3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed installs of each kind (default 30)")
    parser.add_argument("--package", default="weather-connector", help="a free package of the demo catalog")
    args = parser.parse_args()

    from argent_mkt import install as install_mod
    from argent_mkt import trust

    with tempfile.TemporaryDirectory(prefix="bench-install-") as directory:
        work = Path(directory)
        server, url = _start_site(work)
        try:
            home = work / "home"
            market = install_mod.Marketplace(url)
            install_mod.install(market, args.package, home=home, report=False)  # pins and warms the cache
            checked_open, checked_log = install_mod._open_repository, trust.check_release_in_log

            def run(with_trust: bool) -> float:
                if with_trust:
                    install_mod._open_repository, trust.check_release_in_log = checked_open, checked_log
                else:
                    install_mod._open_repository = lambda *_args: None
                    trust.check_release_in_log = lambda *_args, **_kwargs: None
                start = time.perf_counter()
                result = install_mod.install(market, args.package, home=home, reinstall=True, report=False)
                elapsed = (time.perf_counter() - start) * 1000
                assert result.changed, "the install did not run"
                return elapsed

            timings: dict[bool, list[float]] = {True: [], False: []}
            for _ in range(args.runs):
                for with_trust in (True, False):
                    timings[with_trust].append(run(with_trust))
            install_mod._open_repository, trust.check_release_in_log = checked_open, checked_log
        finally:
            server.terminate()
            server.wait(timeout=10)

    def describe(values: list[float]) -> str:
        q = statistics.quantiles(values, n=10)
        return (
            f"median {statistics.median(values):7.1f} ms  (p10 {q[0]:.1f}, p90 {q[-1]:.1f}, n={len(values)})"
        )

    print(f"install {args.package} with TUF and the log:    {describe(timings[True])}")
    print(f"install {args.package} without (older checks):  {describe(timings[False])}")
    overhead = statistics.median(timings[True]) - statistics.median(timings[False])
    verdict = "PASS" if overhead < TARGET_MS else "MISS"
    print(f"overhead of TUF + log (warm cache): {overhead:.1f} ms (target < {TARGET_MS:.0f} ms) {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
