"""Problems and exceptions."""

from __future__ import annotations

import json

import pytest
from argent_pkg import FormatError, PackageInvalid, Problem


def test_problem_is_frozen_serialisable_and_short():
    problem = Problem("archive.symlink", "A link.", "a/b", b"\xff" + b"x" * 300)
    assert json.dumps(problem.as_dict())
    assert len(problem.value) == 200
    assert str(problem) == "archive.symlink a/b: A link."
    assert str(Problem("signature.missing", "Unsigned.")) == "signature.missing: Unsigned."
    assert Problem("x.y", "m", value=[1, 2]).value == "[1, 2]"
    assert Problem("x.y", "m", value=3).value == 3
    with pytest.raises(AttributeError):
        problem.code = "other"  # type: ignore[misc]
    with pytest.raises(ValueError, match="severity"):
        Problem("x.y", "m", severity="fatal")


def test_package_invalid_lists_every_problem():
    error = PackageInvalid([Problem("a.b", "First."), Problem("c.d", "Second.", "f")])
    assert isinstance(error, FormatError)
    assert error.codes == ["a.b", "c.d"]
    assert str(error).splitlines() == [
        "The package is invalid (2 problems):",
        "- a.b: First.",
        "- c.d f: Second.",
    ]
    assert "(1 problem)" in str(PackageInvalid([Problem("a.b", "Only.")]))
    with pytest.raises(ValueError):
        PackageInvalid([])
