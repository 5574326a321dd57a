"""Typosquatting checks on new identifiers."""

import pytest

from publishing.similarity import is_similar, similar_identifiers, skeleton, within_one_edit


@pytest.mark.parametrize(
    ("candidate", "existing"),
    [
        ("salesforce-connector", "salesforce-conector"),  # one deletion
        ("salesforce-connector", "salesforse-connector"),  # one substitution
        ("weather_connector", "weather-connector"),  # folding - and _
        ("weatherconnector", "weather-connector"),
        ("wеather-connector", "weather-connector"),  # Cyrillic е
        ("aos-weather", "weather"),  # known prefix swap
        ("argent-weather", "aos-weather"),
        ("rnidnight-theme", "midnight-theme"),  # rn looks like m
        ("g1thub-issues", "github-issues"),
    ],
)
def test_look_alikes_are_similar(candidate, existing):
    assert is_similar(candidate, existing)
    assert is_similar(existing, candidate)


@pytest.mark.parametrize(
    ("candidate", "existing"),
    [
        ("weather-connector", "weather-connector"),  # the same package is not a look-alike
        ("weather-connector", "leather-collector"),
        ("csv-tools", "sql-tools"),
        ("aos-weather", "aos-feather-report"),
    ],
)
def test_different_names_are_not_similar(candidate, existing):
    assert not is_similar(candidate, existing)


def test_within_one_edit():
    assert within_one_edit("abc", "abc")
    assert within_one_edit("abc", "abd") and within_one_edit("abc", "ab") and within_one_edit("ab", "xab")
    assert not within_one_edit("abc", "cab")
    assert not within_one_edit("abcd", "ab")


def test_similar_identifiers_lists_every_match_sorted():
    assert similar_identifiers("aos-weather", ["weather", "aos-weathr", "csv-tools"]) == [
        "aos-weathr",
        "weather",
    ]
    assert skeleton("Wеather_Connector") == "weatherconnector"
