"""The JSON parser of every API endpoint: DRF's, with a limit on how deeply the body nests.

Set first in ``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`` (and named by the
views that list their parsers). A body nested deeper than :data:`MAX_JSON_DEPTH`
(``[`` x 100,000 or ``{"a":`` x 5,000) is refused with ``400 request.malformed``
(``docs/error-codes.md``, ``request.*``) instead of exhausting Python's
recursion limit in the decoder or in the serializers that walk it.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: The deepest nesting of arrays and objects a request body may have. Our bodies need 3 or fewer.
MAX_JSON_DEPTH = 32


def json_depth(value: object) -> int:
    """How deeply ``value`` (decoded JSON) nests arrays and objects: 0 for a scalar, 1 for ``[]``.

    Iterative, so any depth decoded by :mod:`json` is measured without recursion.
    """
    deepest = 0
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if depth + 1 > MAX_JSON_DEPTH:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than :data:`MAX_JSON_DEPTH`.

    Raises:
        rest_framework.exceptions.ParseError: (``request.malformed``, 400) for invalid JSON, a body
            too deep for the decoder (``RecursionError``) or deeper than :data:`MAX_JSON_DEPTH`.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = json_depth(data) > MAX_JSON_DEPTH
        if too_deep:
            raise ParseError(f"The JSON body nests arrays and objects deeper than {MAX_JSON_DEPTH} levels.")
        return data
