"""A recorded Open-Meteo answer (Berlin, metric) used by ``--offline``."""

SAMPLE_RESPONSE = {
    "latitude": 52.52,
    "longitude": 13.419998,
    "generationtime_ms": 0.08,
    "utc_offset_seconds": 3600,
    "timezone": "Europe/Berlin",
    "timezone_abbreviation": "GMT+1",
    "elevation": 38.0,
    "current_units": {
        "time": "iso8601",
        "interval": "seconds",
        "temperature_2m": "°C",
        "relative_humidity_2m": "%",
        "apparent_temperature": "°C",
        "wind_speed_10m": "km/h",
        "weather_code": "wmo code",
    },
    "current": {
        "time": "2026-03-14T10:45",
        "interval": 900,
        "temperature_2m": 7.4,
        "relative_humidity_2m": 71,
        "apparent_temperature": 4.1,
        "wind_speed_10m": 14.8,
        "weather_code": 3,
    },
    "daily_units": {
        "time": "iso8601",
        "weather_code": "wmo code",
        "temperature_2m_max": "°C",
        "temperature_2m_min": "°C",
        "precipitation_sum": "mm",
    },
    "daily": {
        "time": ["2026-03-14", "2026-03-15", "2026-03-16"],
        "weather_code": [3, 61, 2],
        "temperature_2m_max": [9.1, 8.3, 11.6],
        "temperature_2m_min": [2.4, 4.0, 3.2],
        "precipitation_sum": [0.0, 4.7, 0.2],
    },
}
