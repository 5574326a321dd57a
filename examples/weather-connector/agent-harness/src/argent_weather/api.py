"""Talk to the Open-Meteo forecast API and turn its answers into plain data.

Only one host is ever contacted: api.open-meteo.com (the package declares
``network:api.open-meteo.com``).  Places are given as coordinates or as one of
the built-in city names, so no geocoding service is needed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass

API_URL = "https://api.open-meteo.com/v1/forecast"
USER_AGENT = "argent-weather/1.2.0 (+https://example.com/argent/weather-connector)"

CITIES: dict[str, tuple[float, float]] = {
    "amsterdam": (52.37, 4.89),
    "berlin": (52.52, 13.41),
    "buenos-aires": (-34.61, -58.38),
    "cape-town": (-33.92, 18.42),
    "london": (51.51, -0.13),
    "madrid": (40.42, -3.70),
    "mumbai": (19.08, 72.88),
    "new-york": (40.71, -74.01),
    "paris": (48.85, 2.35),
    "san-francisco": (37.77, -122.42),
    "sao-paulo": (-23.55, -46.63),
    "sydney": (-33.87, 151.21),
    "tokyo": (35.68, 139.69),
    "toronto": (43.65, -79.38),
}

# WMO weather interpretation codes, as documented by Open-Meteo.
WMO_CODES: dict[int, str] = {
    0: "clear sky",
    1: "mainly clear",
    2: "partly cloudy",
    3: "overcast",
    45: "fog",
    48: "depositing rime fog",
    51: "light drizzle",
    53: "moderate drizzle",
    55: "dense drizzle",
    56: "light freezing drizzle",
    57: "dense freezing drizzle",
    61: "slight rain",
    63: "moderate rain",
    65: "heavy rain",
    66: "light freezing rain",
    67: "heavy freezing rain",
    71: "slight snow fall",
    73: "moderate snow fall",
    75: "heavy snow fall",
    77: "snow grains",
    80: "slight rain showers",
    81: "moderate rain showers",
    82: "violent rain showers",
    85: "slight snow showers",
    86: "heavy snow showers",
    95: "thunderstorm",
    96: "thunderstorm with slight hail",
    99: "thunderstorm with heavy hail",
}

CURRENT_VARS = (
    "temperature_2m,relative_humidity_2m,apparent_temperature,wind_speed_10m,weather_code"
)
DAILY_VARS = "weather_code,temperature_2m_max,temperature_2m_min,precipitation_sum"


class WeatherError(Exception):
    """Raised for bad input or an unusable API answer."""


@dataclass
class Current:
    time: str
    temperature: float
    apparent_temperature: float | None
    humidity: float | None
    wind_speed: float | None
    code: int
    conditions: str
    temperature_unit: str
    wind_unit: str


@dataclass
class Day:
    date: str
    code: int
    conditions: str
    temp_max: float
    temp_min: float
    precipitation: float | None
    temperature_unit: str
    precipitation_unit: str


def describe(code: int | None) -> str:
    if code is None:
        return "unknown"
    return WMO_CODES.get(int(code), f"unknown (code {code})")


def resolve_place(city: str | None, lat: float | None, lon: float | None) -> tuple[float, float]:
    """Coordinates win over a city name; a city must be one of CITIES."""
    if lat is not None or lon is not None:
        if lat is None or lon is None:
            raise WeatherError("give both --lat and --lon")
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            raise WeatherError(f"coordinates out of range: {lat}, {lon}")
        return lat, lon
    key = (city or "").strip().lower().replace(" ", "-").replace("_", "-")
    if key not in CITIES:
        known = ", ".join(sorted(CITIES))
        raise WeatherError(f"unknown city {city!r}; use --lat/--lon or one of: {known}")
    return CITIES[key]


def build_url(lat: float, lon: float, *, days: int = 3, units: str = "metric") -> str:
    if not 1 <= days <= 7:
        raise WeatherError("days must be between 1 and 7")
    if units not in ("metric", "imperial"):
        raise WeatherError("units must be 'metric' or 'imperial'")
    params = {
        "latitude": f"{lat:.4f}",
        "longitude": f"{lon:.4f}",
        "current": CURRENT_VARS,
        "daily": DAILY_VARS,
        "timezone": "auto",
        "forecast_days": str(days),
    }
    if units == "imperial":
        params.update(temperature_unit="fahrenheit", wind_speed_unit="mph",
                      precipitation_unit="inch")
    return f"{API_URL}?{urllib.parse.urlencode(params)}"


def fetch(url: str, *, timeout: float = 10.0) -> dict:
    """GET the URL and decode the JSON body."""
    if not url.startswith(API_URL):
        raise WeatherError("refusing to contact a host other than api.open-meteo.com")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:200]
        raise WeatherError(f"Open-Meteo answered HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError) as exc:
        raise WeatherError(f"could not reach Open-Meteo: {exc}") from exc
    try:
        return json.loads(body)
    except ValueError as exc:
        raise WeatherError("Open-Meteo returned something that is not JSON") from exc


def parse_current(payload: dict) -> Current:
    if payload.get("error"):
        raise WeatherError(payload.get("reason", "Open-Meteo reported an error"))
    try:
        cur = payload["current"]
        units = payload.get("current_units", {})
        code = int(cur["weather_code"])
        return Current(
            time=cur["time"],
            temperature=float(cur["temperature_2m"]),
            apparent_temperature=_opt_float(cur.get("apparent_temperature")),
            humidity=_opt_float(cur.get("relative_humidity_2m")),
            wind_speed=_opt_float(cur.get("wind_speed_10m")),
            code=code,
            conditions=describe(code),
            temperature_unit=units.get("temperature_2m", "°C"),
            wind_unit=units.get("wind_speed_10m", "km/h"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise WeatherError(f"unexpected response shape: missing {exc}") from exc


def parse_daily(payload: dict) -> list[Day]:
    if payload.get("error"):
        raise WeatherError(payload.get("reason", "Open-Meteo reported an error"))
    try:
        daily = payload["daily"]
        units = payload.get("daily_units", {})
        days = []
        for i, date in enumerate(daily["time"]):
            code = int(daily["weather_code"][i])
            days.append(Day(
                date=date,
                code=code,
                conditions=describe(code),
                temp_max=float(daily["temperature_2m_max"][i]),
                temp_min=float(daily["temperature_2m_min"][i]),
                precipitation=_opt_float(daily.get("precipitation_sum", [None] * (i + 1))[i]),
                temperature_unit=units.get("temperature_2m_max", "°C"),
                precipitation_unit=units.get("precipitation_sum", "mm"),
            ))
        return days
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise WeatherError(f"unexpected response shape: {exc!r}") from exc


def format_current(place: str, cur: Current) -> str:
    parts = [f"{place}: {cur.temperature:g}{cur.temperature_unit}, {cur.conditions}"]
    if cur.apparent_temperature is not None:
        parts.append(f"feels like {cur.apparent_temperature:g}{cur.temperature_unit}")
    if cur.humidity is not None:
        parts.append(f"humidity {cur.humidity:g}%")
    if cur.wind_speed is not None:
        parts.append(f"wind {cur.wind_speed:g} {cur.wind_unit}")
    return ", ".join(parts) + f" (as of {cur.time})"


def format_forecast(place: str, days: list[Day]) -> str:
    lines = [f"Forecast for {place}:"]
    for d in days:
        rain = "" if d.precipitation is None else f", {d.precipitation:g} {d.precipitation_unit}"
        lines.append(f"  {d.date}  {d.temp_min:g}–{d.temp_max:g}{d.temperature_unit}  "
                     f"{d.conditions}{rain}")
    return "\n".join(lines)


def to_dict(obj) -> dict:
    return asdict(obj)


def _opt_float(value) -> float | None:
    return None if value is None else float(value)
