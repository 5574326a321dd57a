"""How fast is search? 100,000 listings in PostgreSQL, the catalog API and the search page under load.

    scripts/benchmark_search.sh [--listings 100000] [--duration 20] [--connections 16]
    .venv/bin/python scripts/benchmark_search.py [same options]    # when gunicorn and wrk are there

Not a test: the figures depend on the machine (and on everything else it runs). One run:

1. starts a throwaway PostgreSQL on 127.0.0.1 (fsync off, in a temporary directory, stopped at
   exit), or uses ``DATABASE_URL`` when it is set; ``manage.py migrate`` and ``collectstatic``;
2. loads ``--listings`` synthetic published packages (with publishers, one signing key each, one
   release each) with ``bulk_create`` in batches, from a deterministic ~2,000-word vocabulary plus
   brand names (salesforce, hubspot, jira, ...), then ``VACUUM ANALYZE`` (until the pages are
   all-visible), ``CHECKPOINT``, and waits for autovacuum to finish;
3. serves the site with gunicorn configured as deployed (``marketplace/gunicorn.py``: gthread,
   2 x CPUs + 1 workers, ``gc.freeze`` after loading) on a free loopback port, ``DEBUG=false``,
   through ``scripts/bench_settings.py``, whose URLconf adds the minimal view ``/bench/minimal``;
   the load comes from one address, so the per-address limit of anonymous catalog reads
   (``API_CATALOG_RATE``) is turned off for the run;
4. loads it from a second process, ``wrk`` (or, without it, this script's own thread client), with
   ``--connections`` keep-alive connections, ``--warmup`` seconds unmeasured and then ``--repeat``
   runs of ``--duration`` seconds (and at most ``--max-requests`` requests) per scenario; the
   latencies reported are the median of the runs' (each run's are printed too). Scenarios:
   ``GET /api/v1/catalog?q=`` over 200 varied queries (typos, several words, identifiers, no
   match), the search page (the path is read from the catalog's URLconf at run time), the home
   page, and the minimal view;
   The site runs as configured by default, so anonymous catalog answers come from the response
   cache (``catalog/cache.py``) in a Redis server started for the run (``--cache local``: each
   worker's memory, as without ``REDIS_URL``); the
   one-client pass before the load shows each path's first, uncached, answer, and each scenario
   is preceded by one request per path (so the figures are those of a warm cache; the share of
   answers marked ``X-Catalog-Cache: hit`` is printed beside them). Then the search
   scenarios run again on a second server with the cache off (``CATALOG_CACHE_SECONDS=0``).
   Every request asks ``Accept-Encoding: gzip, deflate``, as browsers and Node's fetch do;
5. prints p50/p99 latency and requests per second per scenario and PASS/MISS against the targets,
   each a ratio measured in this run: the cached search API's p99 at most 2 x the minimal view's;
   cached pages at least 0.5 x its throughput; with the cache off, the search API at least 0.10 x
   its throughput with a p99 at most 10 x its p99, and the search page at least 0.05 x; with one
   client, every query's first answer under 5 x the median query's. Also the SQL queries
   each kind of request makes, and writes ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest one to
   ``--explain-out``.

Everything it starts stops by itself (PostgreSQL, gunicorn, the load generator), and it sends
traffic to 127.0.0.1 only. Exit status: 0 when every target is met, 1 when one is missed, 2 when
the run could not be made.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import http.client
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
#: Publishers made by this script have slugs starting with this (how a reused database is recognised).
BENCH_PREFIX = "bench-"

#: Targets, each a ratio to the minimal view measured in the same run (or to the median query).
PAGE_THROUGHPUT_TARGET = 0.5  # cached pages: at least this share of the minimal view's req/s
CACHED_API_P99_RATIO = 2.0  # cached search API: p99 at most this many times the minimal view's p99
UNCACHED_API_THROUGHPUT = 0.10  # search API, cache off: at least this share of the minimal view's req/s
UNCACHED_API_P99_RATIO = 10.0  # search API, cache off: p99 at most this many times the minimal view's p99
UNCACHED_PAGE_THROUGHPUT = 0.05  # search page, cache off: at least this share of the minimal view's req/s
ONE_CLIENT_MAX_RATIO = 5.0  # one client: every query under this many times the median query's time

BRANDS = (
    "salesforce", "hubspot", "jira", "slack", "github", "gitlab", "bitbucket", "confluence", "notion",
    "trello", "asana", "zendesk", "intercom", "stripe", "paypal", "shopify", "mailchimp", "twilio",
    "sendgrid", "dropbox", "box", "gdrive", "gmail", "outlook", "teams", "zoom", "discord", "telegram",
    "whatsapp", "airtable", "monday", "clickup", "linear", "sentry", "datadog", "grafana", "prometheus",
    "pagerduty", "okta", "auth0", "quickbooks", "xero", "netsuite", "sap", "workday", "bamboohr",
    "greenhouse", "docusign", "figma", "miro", "openai", "anthropic", "postgres", "mysql", "mongodb",
    "redis", "snowflake", "bigquery", "kafka", "docker", "kubernetes", "terraform", "aws", "azure",
)  # fmt: skip

TECH_WORDS = (
    "sync", "connector", "webhook", "invoice", "calendar", "email", "notify", "notifications", "report",
    "reports", "dashboard", "pipeline", "deploy", "deployment", "backup", "export", "import", "lead",
    "leads", "contact", "contacts", "deal", "deals", "ticket", "tickets", "issue", "issues", "pull",
    "request", "review", "merge", "branch", "commit", "release", "build", "test", "monitor", "alert",
    "alerts", "metrics", "logs", "trace", "search", "index", "query", "database", "table", "sheet",
    "spreadsheet", "document", "documents", "file", "files", "upload", "download", "storage", "bucket",
    "chat", "message", "messages", "channel", "bot", "assistant", "agent", "summary", "summarize",
    "translate", "translation", "transcribe", "voice", "meeting", "meetings", "schedule", "scheduler",
    "task", "tasks", "todo", "project", "projects", "sprint", "kanban", "board", "roadmap", "customer",
    "customers", "support", "helpdesk", "billing", "payment", "payments", "subscription", "checkout",
    "order", "orders", "inventory", "product", "catalog", "shipping", "tracking", "analytics", "insights",
    "forecast", "budget", "expense", "expenses", "payroll", "employee", "employees", "onboarding",
    "hiring", "candidate", "recruiting", "security", "audit", "compliance", "secrets", "vault",
    "password", "login", "identity", "access", "permissions", "role", "roles", "user", "users", "team",
    "workspace", "workflow", "automation", "trigger", "action", "integration", "api", "client", "server",
    "cli", "terminal", "shell", "script", "scripts", "code", "snippet", "format", "lint", "theme", "dark",
    "light", "color", "icons", "widget", "weather", "news", "feed", "rss", "social", "twitter", "post",
    "publish", "content", "blog", "markdown", "notes", "wiki", "knowledge", "base", "faq", "survey",
    "form", "forms", "crm", "erp", "hr", "finance", "accounting", "tax", "currency", "exchange", "rates",
    "stock", "market", "crypto", "wallet", "map", "maps", "location", "geocode", "image", "images",
    "photo", "video", "audio", "podcast", "music", "playlist", "pdf", "ocr", "scan", "extract", "parse",
    "csv", "json", "xml", "yaml", "sql", "graph", "chart", "charts", "timeline", "queue", "cache",
    "cluster", "container", "cloud", "serverless", "function", "cron", "job", "jobs", "batch", "stream",
    "realtime", "live", "status", "uptime", "incident", "oncall", "escalation", "sla", "quality",
)  # fmt: skip

#: Pseudo-words are made of these, so that their trigrams are about as varied as a language's.
ONSETS = ("b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "cr",
          "dr", "fr", "gr", "pl", "st", "tr", "sh", "ch", "th", "qu", "sl", "sn", "")  # fmt: skip
VOWELS = ("a", "e", "i", "o", "u", "y", "ai", "ea", "ou", "io", "ee")
CODAS = ("", "", "", "n", "r", "s", "l", "t", "m", "x", "ck", "nd", "st", "ng", "p", "rk", "ft")

TYPOS = (
    "sales-foce", "salesfroce", "slaesforce", "githb", "gthub", "git hub", "hubspto", "hub spot", "jria",
    "jirra", "slak", "slakc", "zendsk", "shopfy", "mailchimpp", "stipe", "dropbx", "notoin", "trelo",
    "asanna", "confluense", "kuberntes", "terrafrom", "postgress", "mongo db", "big query", "datdog",
    "grafna", "quickboks", "docusgn",
)  # fmt: skip

VERBS = (
    "Sync", "Connect", "Track", "Export", "Import", "Monitor", "Automate", "Summarize", "Search",
    "Manage", "Review", "Publish", "Schedule", "Translate", "Analyse", "Back up", "Route", "Triage",
)  # fmt: skip
PREPOSITIONS = ("with", "from", "to", "into", "for", "across", "between", "inside", "using")


# --- processes that stop at exit ----------------------------------------------------------------------


class Cleanup:
    """Callbacks run once, last registered first, at exit (normal, exception, SIGINT or SIGTERM)."""

    def __init__(self) -> None:
        self._callbacks: list[tuple[str, Callable[[], None]]] = []

    def add(self, name: str, callback: Callable[[], None]) -> None:
        self._callbacks.append((name, callback))

    def run(self) -> None:
        while self._callbacks:
            name, callback = self._callbacks.pop()
            try:
                callback()
            except Exception as exc:  # noqa: BLE001 - report and go on stopping the rest
                print(f"warning: stopping {name} failed: {exc}", file=sys.stderr)


def log(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def die(message: str) -> None:
    print(f"\nERROR: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except OSError:
            pass
        time.sleep(interval)
    return False


def stop_process_group(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM the process group that ``proc`` leads, then SIGKILL it after ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def start_postgres(work: Path, cleanup: Cleanup, timeout: float) -> str:
    """A throwaway PostgreSQL on a free loopback port (like scripts/test.sh); returns its URL."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)],
    )
    pgbin = next((p for p in reversed(candidates) if (p / "initdb").exists()), None)
    if pgbin is None:
        die(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        )
    as_pg: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    pg_dir = work / "pg"
    pg_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(pg_dir, "postgres", "postgres")
    port = free_port()
    version = subprocess.run([pgbin / "postgres", "--version"], capture_output=True, text=True).stdout.split()
    log(f"PostgreSQL {version[2] if len(version) > 2 else '?'} on {HOST}:{port} ({pg_dir})")
    initdb = subprocess.run(
        [*as_pg, pgbin / "initdb", "-D", pg_dir, "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        + ["--locale=C.UTF-8", "--no-sync"],
        capture_output=True,
        text=True,
    )
    if initdb.returncode:
        print(initdb.stdout, initdb.stderr, file=sys.stderr)
        die("initdb failed")
    options = (
        f"-c listen_addresses={HOST} -p {port} -k {pg_dir} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=100 -c shared_buffers=512MB -c work_mem=16MB "
        "-c maintenance_work_mem=256MB -c max_wal_size=4GB"
    )

    def stop() -> None:
        subprocess.run(
            [*as_pg, pgbin / "pg_ctl", "-D", pg_dir, "-m", "fast", "-w", "-t", "20", "stop"],
            capture_output=True,
            timeout=40,
        )

    cleanup.add("PostgreSQL", stop)
    started = subprocess.run(
        [*as_pg, pgbin / "pg_ctl", "-D", pg_dir, "-l", pg_dir / "log", "-w", "-t", str(int(timeout))]
        + ["-o", options, "start"],
        capture_output=True,
        text=True,
    )
    if started.returncode:
        print(
            (pg_dir / "log").read_text(errors="replace") if (pg_dir / "log").exists() else "", file=sys.stderr
        )
        die("PostgreSQL did not start")
    ready = wait_until(
        lambda: (
            subprocess.run(
                [pgbin / "pg_isready", "-h", HOST, "-p", str(port), "-U", "postgres"], capture_output=True
            ).returncode
            == 0
        ),
        timeout,
    )
    if not ready:
        die("PostgreSQL is not accepting connections")
    created = subprocess.run(
        [pgbin / "createdb", "-h", HOST, "-p", str(port), "-U", "postgres", "marketplace"],
        capture_output=True,
        text=True,
    )
    if created.returncode:
        die(f"createdb failed: {created.stderr}")
    return f"postgres://postgres@{HOST}:{port}/marketplace"


def manage(env: dict[str, str], *args: str) -> None:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        print(done.stdout[-4000:], done.stderr[-8000:], file=sys.stderr)
        die(f"manage.py {' '.join(args)} failed")
    print(f"manage.py {args[0]}: {time.perf_counter() - started:.1f} s")


# --- synthetic listings -----------------------------------------------------------------------------


class Vocabulary:
    """About 2,000 words, deterministic from the seed, drawn with a Zipf-like frequency."""

    def __init__(self, seed: int, size: int = 2000) -> None:
        rnd = random.Random(seed)  # noqa: S311 - deterministic benchmark data, not secrets
        words = list(dict.fromkeys(TECH_WORDS))
        seen = set(words) | set(BRANDS)
        while len(words) < size:
            word = "".join(
                rnd.choice(ONSETS) + rnd.choice(VOWELS) + rnd.choice(CODAS)
                for _ in range(rnd.choice((1, 2, 2, 2, 3, 3)))
            )
            if 3 <= len(word) <= 14 and word not in seen:
                seen.add(word)
                words.append(word)
        rnd.shuffle(words)
        self.words = words
        self.cum_weights = list(itertools.accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(words))))
        self.total = self.cum_weights[-1]

    def pick(self, rnd: random.Random, count: int = 1) -> list[str]:
        return [
            self.words[bisect.bisect_left(self.cum_weights, rnd.random() * self.total)] for _ in range(count)
        ]

    def rare(self, rnd: random.Random) -> str:
        return self.words[rnd.randrange(len(self.words) // 2, len(self.words))]


def _sentence(words: list[str]) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:] + "."


class ListingFactory:
    """Field values of one synthetic listing after another (deterministic from the seed)."""

    def __init__(self, vocab: Vocabulary, seed: int) -> None:
        self.vocab = vocab
        self.rnd = random.Random(seed + 1)  # noqa: S311 - deterministic benchmark data, not secrets
        self.identifiers: set[str] = set()

    def listing(self, kind_slug: str) -> dict:
        rnd, vocab = self.rnd, self.vocab
        brand = rnd.choice(BRANDS) if rnd.random() < 0.3 else None
        name_words = vocab.pick(rnd, rnd.choice((1, 2, 2, 3)))
        parts = ([brand] if brand else []) + name_words
        base = "-".join(parts)[:56].strip("-")
        if rnd.random() < 0.3:
            base = f"{base}-{kind_slug}"[:60]
        identifier, n = base, 2
        while identifier in self.identifiers:
            identifier, n = f"{base}-{n}", n + 1
        self.identifiers.add(identifier)
        display_name = " ".join(w.capitalize() for w in parts)[:100]
        subject = brand.capitalize() if brand else vocab.pick(rnd)[0]
        tagline = (
            f"{rnd.choice(VERBS)} {' '.join(vocab.pick(rnd, rnd.randint(1, 3)))} "
            f"{rnd.choice(PREPOSITIONS)} {subject} {' '.join(vocab.pick(rnd, rnd.randint(0, 4)))}"
        ).strip()[:120]
        sentences = [
            _sentence(vocab.pick(rnd, rnd.randint(6, 14)) + ([brand] if brand and rnd.random() < 0.5 else []))
            for _ in range(rnd.randint(2, 5))
        ]
        description = " ".join(sentences)
        tags = list(dict.fromkeys(([brand] if brand else []) + vocab.pick(rnd, rnd.randint(2, 5))))
        usage = " ".join(_sentence(vocab.pick(rnd, rnd.randint(8, 16))) for _ in range(rnd.randint(3, 7)))
        readme = (
            f"# {display_name}\n\n{tagline}\n\n{description}\n\n## Usage\n\n"
            f"```\nmkt install {identifier}\n```\n\n{usage}\n\n## Permissions\n\n"
            f"- network: {brand or 'api'}.example.com\n- fs:tmp\n"
        )
        return {
            "identifier": identifier,
            "display_name": display_name,
            "tagline": tagline,
            "description": description,
            "tags": tags,
            "readme": readme,
        }


def settle_database(budget: float = 180) -> None:
    """Write out what the load left in memory (``CHECKPOINT``) and wait for autovacuum to finish.

    Otherwise the first scenarios share the two CPUs with PostgreSQL's after-load housekeeping.
    """
    from django.db import connection
    from django.db.utils import DatabaseError

    started = time.perf_counter()
    with connection.cursor() as cursor:
        try:
            cursor.execute("CHECKPOINT")
        except DatabaseError as exc:  # not allowed for this role: the wait below still helps
            print(f"  (CHECKPOINT refused: {exc})")

        def quiet() -> bool:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
            return cursor.fetchone()[0] == 0

        settled = wait_until(quiet, budget, 1.0)
    state = "quiet" if settled else f"still vacuuming after {budget:g} s"
    print(f"database {state} ({time.perf_counter() - started:.1f} s after the checkpoint began)")


def load_listings(count: int, batch_size: int, seed: int) -> None:
    """Create ``count`` published packages, each with one release (skipped when they are there already)."""
    import datetime as dt
    import hashlib

    from argent_pkg import fingerprint, public_key_b64
    from django.db import connection, transaction
    from django.utils import timezone
    from nacl.signing import SigningKey as Ed25519Key

    from catalog.models import Category, Kind, Package, Publisher, Release
    from publishing.models import SigningKey

    existing = Package.objects.filter(publisher__slug__startswith=BENCH_PREFIX).count()
    if existing == count:
        print(f"{existing} benchmark listings already in the database: not loading again")
        return
    if existing:
        die(
            f"the database holds {existing} benchmark listings, not {count}: "
            f"use a fresh database or --listings {existing}"
        )
    started = time.perf_counter()
    rnd = random.Random(seed + 2)  # noqa: S311 - deterministic benchmark data, not secrets
    vocab = Vocabulary(seed)
    factory = ListingFactory(vocab, seed)

    kinds = list(Kind.objects.all())
    if not kinds:
        kinds = Kind.objects.bulk_create(
            [
                Kind(slug=s, name=s.capitalize(), plural=f"{s}s", install_target=f"{s}s/ID/", position=i)
                for i, s in enumerate(("connector", "skill", "plugin", "agent", "theme"))
            ]
        )
    categories = list(Category.objects.all())
    if not categories:
        categories = Category.objects.bulk_create(
            [Category(slug=s, name=s.upper(), position=i) for i, s in enumerate(("crm", "ai", "other"))]
        )
    kind_weights = [8 if k.slug in ("connector", "skill", "plugin") else 2 for k in kinds]

    levels = ["unverified", "pending", "verified", "trusted", "partner"]
    publishers = []
    for i in range(300):
        brandish = rnd.choice(BRANDS) if rnd.random() < 0.2 else vocab.pick(rnd)[0]
        suffix = rnd.choice(("labs", "tools", "inc", "studio", "works", "io", "dev", "team"))
        publishers.append(
            Publisher(
                slug=f"{BENCH_PREFIX}{brandish}-{suffix}-{i}",
                name=f"{brandish.capitalize()} {suffix.capitalize()}",
                type="organization" if rnd.random() < 0.5 else "individual",
                verification=rnd.choices(levels, weights=(50, 5, 30, 10, 5))[0],
            )
        )
    with transaction.atomic():
        publishers = Publisher.objects.bulk_create(publishers)
        keys = []
        for publisher in publishers:
            public = public_key_b64(Ed25519Key(rnd.randbytes(32)))
            keys.append(
                SigningKey(
                    publisher=publisher, label="bench", public_key=public, fingerprint=fingerprint(public)
                )
            )
        keys = SigningKey.objects.bulk_create(keys)

    now = timezone.now()
    pricings = ["free", "trial", "pro", "enterprise", "per-skill"]
    compat = ["", ">=2026.1.0", ">=2026.3.0", ">=2025.9.0,<2026.6.0", ">=2026.5.0"]
    permissions = [["network"], ["network", "fs:tmp"], ["fs:read"], ["process", "secrets:token"], []]
    done = 0
    package_t, release_t, publisher_t = (m._meta.db_table for m in (Package, Release, Publisher))
    while done < count:
        n = min(batch_size, count - done)
        # Release ids drawn first, so that each package row is written once, with its latest release
        # (Django's foreign keys on PostgreSQL are DEFERRABLE INITIALLY DEFERRED: checked at commit).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [release_t, n]
            )
            release_ids = [row[0] for row in cursor.fetchall()]
        packages, meta = [], []
        for release_id in release_ids:
            kind = rnd.choices(kinds, weights=kind_weights)[0]
            fields = factory.listing(kind.slug)
            key = rnd.choice(keys)
            published = now - dt.timedelta(seconds=rnd.randrange(2 * 365 * 86400))
            # A third have been updated since they first appeared (the latest release is newer).
            released = published + (now - published) * rnd.random() if rnd.random() < 0.3 else published
            pricing = rnd.choices(pricings, weights=(70, 10, 12, 4, 4))[0]
            packages.append(
                Package(
                    **fields,
                    publisher_id=key.publisher_id,
                    kind=kind,
                    category=rnd.choice(categories),
                    license=rnd.choice(("MIT", "Apache-2.0", "BSD-3-Clause", "Proprietary")),
                    pricing=pricing,
                    price_cents=0 if pricing == "free" else rnd.choice((500, 900, 1900, 4900)),
                    status="published",
                    latest_release_id=release_id,
                    published_at=published,
                    last_release_at=released,
                    featured=rnd.random() < 0.005,
                    rating_average=round(rnd.uniform(1, 5), 1) if rnd.random() < 0.6 else 0,
                    rating_count=rnd.randrange(0, 400),
                    total_downloads=int(rnd.paretovariate(1.2) * 50),
                    installs_30d=int(rnd.paretovariate(1.3) * 5),
                )
            )
            meta.append((release_id, key, released))
        with transaction.atomic():
            packages = Package.objects.bulk_create(packages)
            releases = []
            for package, (release_id, key, released) in zip(packages, meta, strict=True):
                major, minor, patch = rnd.randrange(0, 4), rnd.randrange(0, 20), rnd.randrange(0, 10)
                version = f"{major}.{minor}.{patch}"
                manifest = {
                    "id": package.identifier,
                    "name": package.display_name,
                    "version": version,
                    "kind": package.kind.slug,
                    "description": package.tagline,
                }
                releases.append(
                    Release(
                        id=release_id,
                        package=package,
                        version=version,
                        version_major=major,
                        version_minor=minor,
                        version_patch=patch,
                        manifest=manifest,
                        listing={"displayName": package.display_name, "tags": package.tags},
                        permissions=rnd.choice(permissions),
                        compatibility=rnd.choice(compat),
                        artifact_sha256=hashlib.sha256(package.identifier.encode()).hexdigest(),
                        size=rnd.randrange(2_000, 5_000_000),
                        signatures={},
                        signing_key=key,
                        key_fingerprint=key.fingerprint,
                        release_notes=_sentence(vocab.pick(rnd, 8)),
                        published_at=released,
                    )
                )
            Release.objects.bulk_create(releases)
        done += n
        print(f"  {done:>7} listings  {time.perf_counter() - started:6.1f} s", flush=True)

    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        # Index-only scans (the home page's counts) need the pages marked all-visible by VACUUM, which
        # it cannot do while another transaction may still see them as new: on a fresh cluster,
        # autovacuum's ANALYZE of the tables just made. Try again until (nearly) all are marked.
        for _attempt in range(20):
            for table in (package_t, release_t, publisher_t):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute("SELECT relpages, relallvisible FROM pg_class WHERE relname = %s", [package_t])
            pages, visible = cursor.fetchone()
            if visible >= 0.95 * pages:
                break
            time.sleep(1)
    print(
        f"loaded {count} listings in {loaded:.1f} s "
        f"({count / loaded:.0f} listings/s); VACUUM ANALYZE {time.perf_counter() - started - loaded:.1f} s; "
        f"{visible} of {pages} package pages all-visible"
    )


def benchmark_queries(seed: int, count: int = 200) -> list[str]:
    """``count`` varied search queries: brands, typos, several words, identifiers, prefixes, no match."""
    from django.db import connection

    from catalog.models import Package, Publisher

    rnd = random.Random(seed + 3)  # noqa: S311 - deterministic benchmark data, not secrets
    vocab = Vocabulary(seed)
    common = vocab.words[:150]
    queries: list[str] = []
    queries += rnd.sample(BRANDS, 30)  # 30 brands
    queries += list(TYPOS)  # 30 typos
    for _ in range(10):  # 10 generated typos (a letter dropped or two swapped)
        brand = rnd.choice([b for b in BRANDS if len(b) > 4])
        i = rnd.randrange(1, len(brand) - 1)
        queries.append(
            brand[:i] + brand[i + 1 :]
            if rnd.random() < 0.5
            else brand[: i - 1] + brand[i] + brand[i - 1] + brand[i + 1 :]
        )
    for _ in range(20):  # brand + word
        queries.append(f"{rnd.choice(BRANDS)} {rnd.choice(common)}")
    for _ in range(25):  # two or three words
        queries.append(" ".join(rnd.sample(common, rnd.choice((2, 2, 3)))))
    queries += [vocab.words[i] for i in rnd.sample(range(60), 15)]  # frequent words
    queries += [vocab.rare(rnd) for _ in range(15)]  # rare words
    queries += [w[:4] for w in rnd.sample(BRANDS, 10)]  # prefixes
    queries += ["qzxvbnm", "xylophonics", "nonexistent widget", "zzzz", "lorem ipsum dolor", "asdfgh"]
    queries += ["GitHub", "Slack!", "c++", "jira/confluence", "  spaced   out  ", "o'reilly", "100%", "é"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT identifier FROM {Package._meta.db_table} WHERE publisher_id IN "  # noqa: S608
            f"(SELECT id FROM {Publisher._meta.db_table} WHERE slug LIKE %s) ORDER BY md5(identifier) LIMIT 40",
            [BENCH_PREFIX + "%"],
        )
        identifiers = [row[0] for row in cursor.fetchall()]
    queries += identifiers[:20]  # exact identifiers
    queries += [i.replace("-", " ") for i in identifiers[20:31]]  # identifiers as words
    queries = list(dict.fromkeys(queries))
    while len(queries) < count:
        queries.append(" ".join(rnd.sample(common, 2)))
        queries = list(dict.fromkeys(queries))
    return queries[:count]


# --- the server -----------------------------------------------------------------------------------


def http_get(port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start_gunicorn(
    env: dict[str, str], work: Path, args: argparse.Namespace, cleanup: Cleanup, *, name: str = "gunicorn"
) -> tuple[int, Callable[[], None]]:
    """Serve the site; returns the port and a function that stops the server."""
    gunicorn = VENV_BIN / "gunicorn"
    if not gunicorn.exists():
        die(f"{gunicorn} not found: pip install -e . (or run scripts/benchmark_search.sh)")
    port = free_port()
    logfile = work / f"{name}.log"
    command = [
        str(gunicorn),
        "--config", "python:marketplace.gunicorn",  # as deployed (README), with the options below
        "--bind", f"{HOST}:{port}",
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--graceful-timeout", "5",
        "--chdir", str(ROOT),
        "--log-level", "warning",
        "--error-logfile", str(logfile),
        "marketplace.wsgi:application",
    ]  # fmt: skip
    log(f"gunicorn {args.workers} workers x {args.threads} threads (gthread) on {HOST}:{port}")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    cleanup.add(name, lambda: stop_process_group(proc))
    if not wait_until(lambda: proc.poll() is None and http_get(port, "/bench/minimal", 2)[0] == 200, 60, 0.5):
        print(logfile.read_text(errors="replace")[-8000:] if logfile.exists() else "", file=sys.stderr)
        die("gunicorn did not answer /bench/minimal with 200")
    return port, lambda: stop_process_group(proc)


def start_redis(work: Path, cleanup: Cleanup, timeout: float) -> str:
    """A throwaway ``redis-server`` on a free loopback port (no persistence); returns its URL."""
    server = shutil.which("redis-server")
    if not server:
        die("redis-server not found (apt-get install redis-server), or run with --cache local")
    port = free_port()
    proc = subprocess.Popen(
        [server, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(work)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    cleanup.add("Redis", lambda: stop_process_group(proc))

    def ping() -> bool:
        with socket.create_connection((HOST, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    if not wait_until(ping, timeout):
        die("redis-server did not answer PING")
    log(f"Redis on {HOST}:{port} (the response cache, shared by the workers)")
    return f"redis://{HOST}:{port}/0"


# --- load -------------------------------------------------------------------------------------------

WRK_SCRIPT = r"""
-- Cycles through the paths in args[1], each thread from its own offset; stops a thread after
-- args[2] responses; counts the answers marked X-Catalog-Cache: hit / miss; prints one
-- BENCH_RESULT line of JSON.
local next_id = 0
local threads = {}
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

function init(args)
  paths = {}
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    if #line > 0 then paths[#paths + 1] = line end
  end
  f:close()
  max_responses = tonumber(args[2])
  index = (id * 37) % #paths
  responses = 0
  hits = 0
  misses = 0
end

function request()
  index = index % #paths + 1
  -- As browsers and the ArgentOS client (Node's fetch) ask.
  return wrk.format("GET", paths[index], {["Accept-Encoding"] = "gzip, deflate"})
end

function response(status, headers, body)
  responses = responses + 1
  local how = headers["X-Catalog-Cache"]
  if how == "hit" then hits = hits + 1 elseif how == "miss" then misses = misses + 1 end
  if responses >= max_responses then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local e = summary.errors
  local hit_total, miss_total = 0, 0
  for _, thread in ipairs(threads) do
    hit_total = hit_total + thread:get("hits")
    miss_total = miss_total + thread:get("misses")
  end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "errors": %d, "non_2xx": %d, "timeouts": %d, "hits": %d, "misses": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, e.status, e.timeout,
    hit_total, miss_total))
end
"""


@dataclass
class Result:
    name: str
    path: str
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: int = 0
    non_2xx: int = 0
    bytes: int = 0
    client: str = ""
    #: Answers marked ``X-Catalog-Cache: hit`` / ``miss`` (neither: not cacheable, or the cache is off).
    hits: int = 0
    misses: int = 0
    #: Each repetition's (requests per second, p99 ms).
    runs: list[tuple[float, float]] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cache_hits(self) -> str:
        """The share of answers that came from the response cache, as text."""
        marked = self.hits + self.misses
        return f"cache hits {100 * self.hits / marked:.1f} %" if marked else "not cached"


def run_wrk(
    port: int, paths_file: Path, script: Path, connections: int, duration: float, max_requests: int
) -> dict:
    threads = max(1, min(2, connections))
    per_thread = max(1, max_requests // threads)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s"]
    command += [
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://{HOST}:{port}",
        "--",
        str(paths_file),
        str(per_thread),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line.removeprefix("BENCH_RESULT "))
    raise RuntimeError(
        f"wrk printed no result (exit {done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}"
    )


def run_python_client(
    port: int, paths_file: Path, connections: int, duration: float, max_requests: int
) -> dict:
    command = [sys.executable, __file__, "--client-worker", str(port), str(paths_file), str(connections)]
    command += [str(duration), str(max_requests)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line.removeprefix("BENCH_RESULT "))
    raise RuntimeError(f"client printed no result (exit {done.returncode}): {done.stderr[-2000:]}")


def client_worker(port: int, paths_file: Path, connections: int, duration: float, max_requests: int) -> None:
    """The fallback load generator (a separate process): keep-alive connections on threads."""
    paths = [p for p in paths_file.read_text().splitlines() if p]
    latencies: list[list[float]] = [[] for _ in range(connections)]
    counters = {"errors": 0, "non_2xx": 0, "bytes": 0, "sent": 0, "hit": 0, "miss": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        index = n * 37
        while time.perf_counter() < deadline:
            with lock:
                if counters["sent"] >= max_requests:
                    break
                counters["sent"] += 1
            index += 1
            started = time.perf_counter()
            try:
                conn.request("GET", paths[index % len(paths)], headers={"Accept-Encoding": "gzip, deflate"})
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                with lock:
                    counters["errors"] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                continue
            latencies[n].append(time.perf_counter() - started)
            with lock:
                counters["bytes"] += len(body)
                how = response.getheader("X-Catalog-Cache")
                if how in ("hit", "miss"):
                    counters[how] += 1
                if not 200 <= response.status < 400:
                    counters["non_2xx"] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    values = sorted(itertools.chain.from_iterable(latencies))

    def pct(p: float) -> int:
        return int(values[min(len(values) - 1, int(p / 100 * len(values)))] * 1e6) if values else 0

    print(
        "BENCH_RESULT "
        + json.dumps(
            {
                "requests": len(values),
                "duration_us": int(elapsed * 1e6),
                "bytes": counters["bytes"],
                "p50_us": pct(50),
                "p90_us": pct(90),
                "p99_us": pct(99),
                "max_us": int(values[-1] * 1e6) if values else 0,
                "errors": counters["errors"],
                "non_2xx": counters["non_2xx"],
                "timeouts": 0,
                "hits": counters["hit"],
                "misses": counters["miss"],
            }
        )
    )


def measure(
    name: str, port: int, paths: list[str], work: Path, args: argparse.Namespace, client: str, repeat: int = 1
) -> Result:
    """Load ``paths`` for ``args.warmup`` seconds unmeasured, then ``repeat`` times ``args.duration`` seconds.

    With several repetitions the latencies are the median of the repetitions' (two CPUs shared with
    everything else make single 20-second tails jump), the throughput is over all of them, the
    maximum is the largest; each repetition's figures are kept in ``runs``.
    """
    paths_file = work / f"paths-{re.sub(r'[^a-z0-9]+', '-', name)}.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    script = work / "bench.lua"
    script.write_text(WRK_SCRIPT)

    def run(duration: float, max_requests: int) -> dict:
        if client == "wrk":
            return run_wrk(port, paths_file, script, args.connections, duration, max_requests)
        return run_python_client(port, paths_file, args.connections, duration, max_requests)

    if args.warmup > 0:
        run(args.warmup, args.max_requests)
    raws = [run(args.duration, args.max_requests) for _ in range(max(1, repeat))]

    def median_ms(key: str) -> float:
        return statistics.median(raw[key] for raw in raws) / 1e3

    return Result(
        name=name,
        path=paths[0],
        requests=sum(raw["requests"] for raw in raws),
        seconds=sum(raw["duration_us"] for raw in raws) / 1e6,
        p50_ms=median_ms("p50_us"),
        p90_ms=median_ms("p90_us"),
        p99_ms=median_ms("p99_us"),
        max_ms=max(raw["max_us"] for raw in raws) / 1e3,
        errors=sum(raw["errors"] for raw in raws),
        non_2xx=sum(raw["non_2xx"] for raw in raws),
        bytes=sum(raw["bytes"] for raw in raws),
        client=client,
        hits=sum(raw.get("hits", 0) for raw in raws),
        misses=sum(raw.get("misses", 0) for raw in raws),
        runs=[(raw["requests"] / (raw["duration_us"] / 1e6), raw["p99_us"] / 1e3) for raw in raws],
    )


# --- what the requests do in the database ---------------------------------------------------------


@dataclass
class QueryProfile:
    label: str
    path: str
    status: int
    queries: list[tuple[float, str]] = field(default_factory=list)


def profile_requests(targets: list[tuple[str, str]]) -> list[QueryProfile]:
    """Each request in-process once (warm), recording its SQL queries and their times."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    profiles = []
    for label, path in targets:
        client.get(path)  # warm caches and connections
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        profile = QueryProfile(label, path, response.status_code)
        profile.queries = [(float(q["time"]), q["sql"]) for q in ctx.captured_queries]
        profiles.append(profile)
    return profiles


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


# --- main ------------------------------------------------------------------------------------------


def search_page_path() -> str:
    """The search page's path in the catalog's URLconf as it is now (``?q=`` appended by the caller)."""
    from django.urls import NoReverseMatch, reverse

    for name in ("catalog:search", "catalog:package-search", "search"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return reverse("catalog:home")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive clients")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured load first")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="measured runs per cached scenario; latencies are their median (the uncached ones run once)",
    )
    parser.add_argument("--max-requests", type=int, default=200_000, help="per scenario, at most")
    parser.add_argument(
        "--workers", type=int, help="gunicorn worker processes (default: as marketplace/gunicorn.py)"
    )
    parser.add_argument(
        "--threads", type=int, help="threads per gunicorn worker (default: as marketplace/gunicorn.py)"
    )
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--cache",
        choices=("redis", "local"),
        default="redis",
        help="the cache of the server: a Redis server started here (as deployed), or each worker's memory",
    )
    parser.add_argument(
        "--explain-out", type=Path, default=ROOT / "var" / "benchmark_search_explain.txt",
        help="where the EXPLAIN (ANALYZE, BUFFERS) output goes",
    )  # fmt: skip
    parser.add_argument("--startup-timeout", type=float, default=30)
    parser.add_argument(
        "--sequential-budget", type=float, default=60,
        help="seconds, at most, of the one-client pass over each scenario's paths",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--client-worker"]:
        port, paths_file, connections, duration, max_requests = argv[1:6]
        client_worker(int(port), Path(paths_file), int(connections), float(duration), int(max_requests))
        return 0
    args = parse_args(argv)
    if args.duration > 120 or args.max_requests > 1_000_000 or args.connections > 256:
        die("bounded runs only: --duration <= 120, --max-requests <= 1,000,000, --connections <= 256")
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    elif client == "wrk" and not shutil.which("wrk"):
        die("wrk not found (apt-get install wrk, or --client python)")

    cleanup = Cleanup()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="marketplace-bench."))
    work.chmod(0o755)  # the postgres user must reach its data directory
    cleanup.add("temporary directory", lambda: shutil.rmtree(work, ignore_errors=True))
    try:
        return run(args, client, work, cleanup)
    finally:
        log("stopping")
        cleanup.run()


def run(args: argparse.Namespace, client: str, work: Path, cleanup: Cleanup) -> int:
    total_started = time.perf_counter()
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url:
        if not database_url.startswith(("postgres://", "postgresql://")):
            die("DATABASE_URL must name a PostgreSQL database")
        log(f"using DATABASE_URL ({database_url.split('@')[-1]})")
    else:
        database_url = start_postgres(work, cleanup, args.startup_timeout)

    from nacl.signing import SigningKey as Ed25519Key

    sys.path[:0] = [str(ROOT), str(SCRIPTS)]
    from argent_pkg import save_signing_key

    from marketplace import gunicorn as serving

    args.workers = args.workers or serving.workers
    args.threads = args.threads or serving.threads

    from repository.keys import ONLINE_ROLES, write_new_key

    key_path = work / "marketplace-signing.key"
    save_signing_key(key_path, Ed25519Key.generate())
    (work / "data").mkdir()
    # The TUF repository's online keys (required with DEBUG off; throwaways, like the keys above).
    tuf_keys = {setting: str(work / "tuf-keys" / f"{role}.pem") for role, setting in ONLINE_ROLES.items()}
    for path in tuf_keys.values():
        write_new_key(path)
    settings_env = {
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(SCRIPTS), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "SIGNING_KEY_PATH": str(key_path),
        "LOG_SIGNING_KEY_PATH": str(key_path),  # the transparency log key: a throwaway too
        **tuf_keys,
        "DATA_DIR": str(work / "data"),
        "BENCH_STATIC_ROOT": str(work / "static"),
        # Production-only secrets the settings insist on with DEBUG off (throwaway values).
        "LICENSE_KEY_PEPPER": os.urandom(24).hex(),
        "LICENSE_KEY_SECRET": base64.b64encode(os.urandom(32)).decode("ascii"),
        # The fake gateway cannot run with DEBUG off; the search benchmark never calls Stripe.
        "STRIPE_BACKEND": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_" + os.urandom(16).hex(),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + os.urandom(16).hex(),
        # One address sends everything: the per-address limit (600/minute) would refuse it all.
        "API_CATALOG_RATE": "",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("REDIS_URL", "STORAGE_BACKEND", "CELERY_TASK_ALWAYS_EAGER", "SITE_BANNER"):
        os.environ.pop(name, None)
    if args.cache == "redis":
        # As deployed: Redis is the Celery broker and the cache every worker shares.
        settings_env["REDIS_URL"] = start_redis(work, cleanup, args.startup_timeout)
    os.environ.update(settings_env)
    env = dict(os.environ)

    log("schema and static files")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")

    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SELECT extname FROM pg_extension ORDER BY 1")
        extensions = [row[0] for row in cursor.fetchall()]
    print(f"PostgreSQL {pg_version}; extensions: {', '.join(extensions)}")

    log(f"loading {args.listings} listings (batches of {args.batch_size})")
    load_listings(args.listings, args.batch_size, args.seed)
    settle_database()
    queries = benchmark_queries(args.seed, args.queries)
    page_path = search_page_path()
    print(f"{len(queries)} queries, e.g. {', '.join(repr(q) for q in queries[30:36])}")
    print(f"search page: {page_path}?q=… (from the catalog's URLconf)")

    def with_q(base: str, q: str) -> str:
        return f"{base}?{urllib.parse.urlencode({'q': q})}"

    scenarios = [
        ("search API", [with_q("/api/v1/catalog", q) for q in queries]),
        ("search page", [with_q(page_path, q) for q in queries]),
        ("home page", ["/"]),
        ("minimal view", ["/bench/minimal"]),
    ]
    # Measured first, so that no backlog of slow requests left by another scenario slows it.
    load_order = [scenarios[3], *scenarios[:3]]

    port, stop_server = start_gunicorn(env, work, args, cleanup)
    for name, paths in scenarios:
        status, body = http_get(port, paths[0])
        if status != 200:
            die(f"{name}: GET {paths[0]} answered {status}: {body[:300]!r}")

    # Every worker process answers a few requests first (queries outside the measured ones): a
    # worker's first request loads Django's URLconf, templates and connections (~300 ms), which is
    # no query's cost. The measured paths stay cold: none of them has been asked.
    for n in range(4 * args.workers):
        for path in ("/bench/minimal", f"/api/v1/catalog?q=warmup{n}", f"{page_path}?q=warmup{n}"):
            http_get(port, path, timeout=30)
    log("one client, each of the first two scenarios' paths once, cold (the slowest five shown)")
    slowest: dict[str, list[str]] = {}
    #: Scenario -> (median ms, slowest ms, slowest path) of the one-client pass (every path's first answer).
    one_client: dict[str, tuple[float, float, str]] = {}
    for name, paths in scenarios[:2]:
        timings = []
        deadline = time.monotonic() + args.sequential_budget
        for path in paths:
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            try:
                status, _ = http_get(port, path, timeout=30)
            except (OSError, http.client.HTTPException) as exc:
                status = f"failed ({type(exc).__name__})"
            timings.append(((time.perf_counter() - started) * 1000, status, path))
        values = sorted(t for t, _, _ in timings)
        print(
            f"  {name}: {len(values)} of {len(paths)} paths (budget {args.sequential_budget:g} s), "
            f"median {statistics.median(values):.1f} ms, p90 {values[int(0.9 * len(values))]:.1f} ms, "
            f"max {values[-1]:.1f} ms"
        )
        for ms, status, path in sorted(timings, key=lambda t: t[0], reverse=True)[:5]:
            print(f"    {ms:7.1f} ms  HTTP {status}  {urllib.parse.unquote_plus(path)}")
        slowest[name] = [path for _, _, path in sorted(timings, key=lambda t: t[0], reverse=True)]
        worst = max(timings, key=lambda t: t[0])
        one_client[name] = (statistics.median(values), worst[0], worst[2])

    log("SQL per request (in-process, one warm request each, response cache off)")
    from django.conf import settings as django_settings

    django_settings.CATALOG_CACHE_SECONDS = 0
    samples = ["salesforce", "sales-foce", "githb", "github pull request", queries[150]]
    targets = [("API q=" + q, with_q("/api/v1/catalog", q)) for q in samples]
    targets += [("page q=" + q, with_q(page_path, q)) for q in samples[:3]]
    targets += [("home page", "/")]
    targets += [(f"slow API #{i + 1}", path) for i, path in enumerate(slowest["search API"][:3])]
    targets += [(f"slow page #{i + 1}", path) for i, path in enumerate(slowest["search page"][:1])]
    profiles = profile_requests(targets)
    report = []
    for profile in profiles:
        total_ms = sum(t for t, _ in profile.queries) * 1000
        worst = max(profile.queries, default=(0.0, ""))
        print(
            f"  {profile.label[:32]:<32} HTTP {profile.status}  {len(profile.queries):>2} queries  "
            f"{total_ms:7.1f} ms in SQL (slowest {worst[0] * 1000:6.1f} ms)"
        )
        if worst[1]:
            report.append(f"### {profile.label}  ({profile.path})\n-- {worst[1]}\n{explain(worst[1])}\n")
    for q in ("salesforce", "sales-foce", "githb"):
        status, body = http_get_inprocess(with_q("/api/v1/catalog", q))
        try:
            data = json.loads(body)
            top = ", ".join(item["id"] for item in data.get("items", [])[:3])
            print(f"  q={q!r}: HTTP {status}, total {data.get('total')}, top: {top}")
        except (ValueError, TypeError, KeyError):
            print(f"  q={q!r}: HTTP {status}, {body[:200]!r}")
    args.explain_out.parent.mkdir(parents=True, exist_ok=True)
    args.explain_out.write_text("\n".join(report))
    print(f"EXPLAIN (ANALYZE, BUFFERS) of each request's slowest query: {args.explain_out}")

    connection.close()

    log(
        f"load: {client}, {args.connections} connections, {args.warmup:g} s warm-up + {args.repeat} x "
        f"{args.duration:g} s (at most {args.max_requests} requests each) per scenario, "
        f"{os.cpu_count()} CPUs shared by all"
    )
    results = []
    for name, paths in load_order:
        drain(port, name)
        if len(paths) > 1:
            # The steady state of a warm cache: each path once first (entries made by the cold pass may
            # have expired meanwhile); the hit ratio under load is printed beside the figures.
            warmed = warm(port, paths)
            print(f"  {name}: warmed {len(paths)} paths with one client in {warmed:.1f} s")
        result = measure(name, port, paths, work, args, client, repeat=args.repeat)
        results.append(result)
        each = ", ".join(f"{rps:.0f} req/s p99 {p99:.1f} ms" for rps, p99 in result.runs)
        print(
            f"  {name:<13} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms"
            f"  ({result.requests} requests, {result.errors} errors, {result.non_2xx} non-2xx, "
            f"{result.cache_hits}; runs: {each})",
            flush=True,
        )
    stop_server()

    log(
        "the same load on a server with the response cache off (CATALOG_CACHE_SECONDS=0): "
        "every request ranks, counts and renders"
    )
    port, stop_server = start_gunicorn(
        {**env, "CATALOG_CACHE_SECONDS": "0"}, work, args, cleanup, name="gunicorn-uncached"
    )
    for name, paths in scenarios[:3]:
        drain(port, name)
        result = measure(f"{name} (no cache)", port, paths, work, args, client)
        results.append(result)
        print(
            f"  {result.name:<24} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms"
            f"  ({result.requests} requests, {result.errors} errors, {result.non_2xx} non-2xx)",
            flush=True,
        )
    stop_server()
    server_log = "".join(
        (work / f"{log_name}.log").read_text(errors="replace")
        for log_name in ("gunicorn", "gunicorn-uncached")
        if (work / f"{log_name}.log").exists()
    )
    server_errors = len(re.findall(r"\bERROR\b|Traceback", server_log))

    by_name = {r.name: r for r in results}
    log("results")
    print(
        f"{'scenario':<25}{'path':<36}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
        f"{'hits %':>8}"
    )
    for r in results:
        shown = r.path if len(r.path) <= 34 else r.path[:31] + "..."
        errors = r.errors + r.non_2xx
        marked = r.hits + r.misses
        hits = f"{100 * r.hits / marked:.1f}" if marked else "-"
        print(
            f"{r.name:<25}{shown:<36}{r.rps:9.1f}{r.p50_ms:9.1f}{r.p99_ms:9.1f}{r.max_ms:9.1f}{errors:8d}{hits:>8}"
        )
    print(f"({len(queries)} queries cycled; client {client}; gunicorn {args.workers}x{args.threads} gthread)")

    minimal = by_name["minimal view"]
    verdicts = []

    def clean(r: Result) -> bool:
        return not r.errors and not r.non_2xx

    def throughput(name: str, target: float) -> None:
        r = by_name[name]
        ratio = r.rps / minimal.rps if minimal.rps else 0.0
        verdicts.append(
            (
                ratio >= target and clean(r),
                f"{name}: {r.rps:.1f} req/s = {ratio:.3f} x the minimal view's {minimal.rps:.1f} (target >= {target:g} x)",
            )
        )

    def tail(name: str, target: float) -> None:
        r = by_name[name]
        ratio = r.p99_ms / minimal.p99_ms if minimal.p99_ms else float("inf")
        verdicts.append(
            (
                ratio <= target and clean(r),
                f"{name}: p99 {r.p99_ms:.1f} ms = {ratio:.1f} x the minimal view's {minimal.p99_ms:.1f} ms "
                f"(target <= {target:g} x)",
            )
        )

    tail("search API", CACHED_API_P99_RATIO)
    for name in ("search page", "home page"):
        throughput(name, PAGE_THROUGHPUT_TARGET)
    throughput("search API (no cache)", UNCACHED_API_THROUGHPUT)
    tail("search API (no cache)", UNCACHED_API_P99_RATIO)
    throughput("search page (no cache)", UNCACHED_PAGE_THROUGHPUT)
    for name, (median, slowest, path) in one_client.items():
        ratio = slowest / median if median else float("inf")
        verdicts.append(
            (
                ratio < ONE_CLIENT_MAX_RATIO,
                f"{name}, one client: slowest query {slowest:.1f} ms = {ratio:.1f} x the median {median:.1f} ms "
                f"(target < {ONE_CLIENT_MAX_RATIO:g} x; {urllib.parse.unquote_plus(path)})",
            )
        )
    log("targets")
    for ok, text in verdicts:
        print(f"{'PASS' if ok else 'MISS'}  {text}")
    if server_errors:
        print(f"warning: the server log has {server_errors} error lines:\n{server_log[-3000:]}")
    if any(r.errors or r.non_2xx for r in results):
        print("warning: some requests failed; the figures of those scenarios are not valid")
    print(f"\ntotal run time {time.perf_counter() - total_started:.0f} s")
    return 0 if all(ok for ok, _ in verdicts) else 1


def warm(port: int, paths: list[str]) -> float:
    """Request each path once, one at a time, as the load generator does (gzip accepted); returns seconds."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        for path in paths:
            conn.request("GET", path, headers={"Accept-Encoding": "gzip, deflate"})
            conn.getresponse().read()
    finally:
        conn.close()
    return time.perf_counter() - started


def drain(port: int, before: str, budget: float = 180) -> None:
    """Wait until the server answers the minimal view fast again (requests wrk gave up on still run)."""
    started = time.monotonic()

    def idle() -> bool:
        t = time.perf_counter()
        return http_get(port, "/bench/minimal", timeout=30)[0] == 200 and time.perf_counter() - t < 0.05

    if not wait_until(idle, budget, 1.0):
        print(f"  warning: the server was still busy {budget:g} s before {before}")
    elif time.monotonic() - started > 2:
        print(f"  (waited {time.monotonic() - started:.0f} s for the server to finish earlier requests)")


def http_get_inprocess(path: str) -> tuple[int, bytes]:
    from django.test import Client

    response = Client(HTTP_HOST=HOST).get(path)
    return response.status_code, response.content


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
