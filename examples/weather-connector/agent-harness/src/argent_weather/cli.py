"""Command line entry point: ``argent-weather current|forecast``.

ArgentOS calls this with the arguments described in ``connector.json``; it is
just as usable by hand.  Configuration defaults come from the environment
variables the host sets from the connector config.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import __version__
from .api import (
    WeatherError,
    build_url,
    fetch,
    format_current,
    format_forecast,
    parse_current,
    parse_daily,
    resolve_place,
    to_dict,
)
from .sample import SAMPLE_RESPONSE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="argent-weather",
                                     description="Weather from Open-Meteo for ArgentOS agents.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("current", "current conditions"),
                            ("forecast", "daily forecast")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--city", default=os.environ.get("ARGENT_WEATHER_CITY", "berlin"))
        p.add_argument("--lat", type=float)
        p.add_argument("--lon", type=float)
        p.add_argument("--units", choices=("metric", "imperial"),
                       default=os.environ.get("ARGENT_WEATHER_UNITS", "metric"))
        p.add_argument("--timeout", type=float,
                       default=float(os.environ.get("ARGENT_WEATHER_TIMEOUT", "10")))
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--offline", action="store_true",
                       help="use a recorded Berlin response instead of the network")
        if name == "forecast":
            p.add_argument("--days", type=int, default=3)
    return parser


def run(argv: list[str] | None = None) -> str:
    args = build_parser().parse_args(argv)
    days = getattr(args, "days", 3)
    if args.offline:
        payload = SAMPLE_RESPONSE
        place = "Berlin (offline sample)"
    else:
        lat, lon = resolve_place(args.city, args.lat, args.lon)
        place = args.city if args.lat is None else f"{lat:.2f},{lon:.2f}"
        payload = fetch(build_url(lat, lon, days=days, units=args.units), timeout=args.timeout)

    if args.command == "current":
        cur = parse_current(payload)
        if args.json:
            return json.dumps({"place": place, **to_dict(cur)}, ensure_ascii=False)
        return format_current(place, cur)

    forecast = parse_daily(payload)[:days]
    if args.json:
        return json.dumps({"place": place, "days": [to_dict(d) for d in forecast]},
                          ensure_ascii=False)
    return format_forecast(place, forecast)


def main(argv: list[str] | None = None) -> int:
    try:
        print(run(argv))
    except WeatherError as exc:
        print(f"argent-weather: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
