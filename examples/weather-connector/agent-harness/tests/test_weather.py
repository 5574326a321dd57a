"""Parsing and formatting tests; nothing here touches the network."""

import copy
import json
from urllib.parse import parse_qs, urlparse

import pytest

from argent_weather import api, cli
from argent_weather.sample import SAMPLE_RESPONSE


def test_parse_current_reads_values_and_units():
    cur = api.parse_current(SAMPLE_RESPONSE)
    assert cur.temperature == 7.4
    assert cur.humidity == 71
    assert cur.code == 3
    assert cur.conditions == "overcast"
    assert cur.temperature_unit == "°C"
    assert cur.wind_unit == "km/h"


def test_parse_daily_builds_one_entry_per_day():
    days = api.parse_daily(SAMPLE_RESPONSE)
    assert [d.date for d in days] == ["2026-03-14", "2026-03-15", "2026-03-16"]
    assert days[1].conditions == "slight rain"
    assert days[1].precipitation == 4.7
    assert days[2].temp_min == 3.2


def test_format_current_is_one_readable_line():
    text = api.format_current("Berlin", api.parse_current(SAMPLE_RESPONSE))
    assert text.startswith("Berlin: 7.4°C, overcast")
    assert "humidity 71%" in text and "wind 14.8 km/h" in text


def test_format_forecast_lists_each_day():
    text = api.format_forecast("Berlin", api.parse_daily(SAMPLE_RESPONSE))
    lines = text.splitlines()
    assert lines[0] == "Forecast for Berlin:"
    assert len(lines) == 4
    assert "2.4–9.1°C" in lines[1]


def test_unknown_weather_code_is_reported_not_crashed():
    payload = copy.deepcopy(SAMPLE_RESPONSE)
    payload["current"]["weather_code"] = 42
    assert api.parse_current(payload).conditions == "unknown (code 42)"


def test_missing_fields_raise_weather_error():
    with pytest.raises(api.WeatherError):
        api.parse_current({"daily": {}})
    with pytest.raises(api.WeatherError):
        api.parse_daily({"error": True, "reason": "Latitude must be in range"})


def test_build_url_targets_open_meteo_with_units():
    url = api.build_url(40.7128, -74.006, days=5, units="imperial")
    parsed = urlparse(url)
    assert parsed.scheme == "https" and parsed.netloc == "api.open-meteo.com"
    query = parse_qs(parsed.query)
    assert query["forecast_days"] == ["5"]
    assert query["temperature_unit"] == ["fahrenheit"]
    assert query["latitude"] == ["40.7128"]


def test_build_url_rejects_bad_days():
    with pytest.raises(api.WeatherError):
        api.build_url(0, 0, days=10)


def test_resolve_place():
    assert api.resolve_place("New York", None, None) == api.CITIES["new-york"]
    assert api.resolve_place(None, 1.5, 2.5) == (1.5, 2.5)
    with pytest.raises(api.WeatherError):
        api.resolve_place("atlantis", None, None)
    with pytest.raises(api.WeatherError):
        api.resolve_place(None, 1.0, None)


def test_fetch_refuses_other_hosts():
    with pytest.raises(api.WeatherError):
        api.fetch("https://evil.example.com/v1/forecast")


def test_cli_offline_current_json():
    data = json.loads(cli.run(["current", "--offline", "--json"]))
    assert data["conditions"] == "overcast"
    assert data["place"].startswith("Berlin")


def test_cli_offline_forecast_respects_days(capsys):
    assert cli.main(["forecast", "--offline", "--days", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("2026-03-1") == 2
