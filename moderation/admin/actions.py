"""The one way a reviewer-console action applies a service to each selected row."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.http import HttpRequest

from ..transitions import DecisionError


def apply_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable,
    call: Callable[[object], object],
    *,
    done: str,
    refused: tuple[type[Exception], ...] = (DecisionError,),
    label: Callable[[object], str] = str,
) -> int:
    """Call ``call`` on each object; show each refusal with the object and its reason, then ``done``.

    ``done`` is a message template with one ``{}`` for how many succeeded (shown
    only when some did); ``refused`` are the exceptions that mean "this rule
    says no" (a transition's ``DecisionError`` by default); ``label`` names an
    object in a refusal. Returns how many succeeded.
    """
    count = 0
    for obj in objects:
        try:
            call(obj)
        except refused as exc:
            modeladmin.message_user(request, f"{label(obj)}: {exc}", messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, done.format(count), messages.SUCCESS)
    return count
