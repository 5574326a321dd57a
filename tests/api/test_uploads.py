"""The upload size cap (api/uploads.py)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory

from api.uploads import SizeCapUploadHandler, UploadTooLarge, cap_upload_size, max_body_bytes


@cap_upload_size
def view(request):
    """Reports what the decorated view saw."""
    if request.upload_too_large:
        return HttpResponse(f"too large: {request.upload_too_large}", status=413)
    files = {name: f.size for name, f in request.FILES.items()}
    return HttpResponse(repr(sorted(files.items())))


@pytest.fixture
def small_cap(settings):
    settings.PACKAGE_MAX_COMPRESSED_BYTES = 1000
    return 1000


def post(data, **extra):
    return RequestFactory().post("/upload/", data, **extra)


def test_handler_passes_chunks_until_the_limit():
    handler = SizeCapUploadHandler(limit=10)

    assert handler.receive_data_chunk(b"12345", 0) == b"12345"
    assert handler.receive_data_chunk(b"67890", 5) == b"67890"
    with pytest.raises(UploadTooLarge):
        handler.receive_data_chunk(b"x", 10)
    assert handler.file_complete(10) is None


def test_under_the_cap_the_view_gets_the_file(small_cap):
    request = post({"package": SimpleUploadedFile("p.argent-pkg", b"x" * 1000)})
    request._dont_enforce_csrf_checks = True

    response = view(request)

    assert response.status_code == 200
    assert response.content == b"[('package', 1000)]"


def test_over_the_cap_the_view_is_told_and_gets_no_data(small_cap):
    request = post({"package": SimpleUploadedFile("p.argent-pkg", b"x" * 1001), "notes": "hi"})

    response = view(request)

    assert response.status_code == 413
    assert b"1000 bytes" in response.content
    assert not request.FILES and not request.POST


def test_a_declared_content_length_over_the_cap_is_refused_unread(small_cap):
    request = post(
        b"", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=str(max_body_bytes() + 1)
    )

    assert view(request).status_code == 413


def test_csrf_is_still_checked(small_cap):
    unprotected = post({"package": SimpleUploadedFile("p.argent-pkg", b"x")})
    assert view(unprotected).status_code == 403

    first = RequestFactory().get("/")
    token = get_token(first)
    request = post({"package": SimpleUploadedFile("p.argent-pkg", b"x"), "csrfmiddlewaretoken": token})
    request.COOKIES["csrftoken"] = first.META["CSRF_COOKIE"]
    assert view(request).status_code == 200


def test_get_requests_pass_through(small_cap):
    request = RequestFactory().get("/upload/")

    assert view(request).status_code == 200
    assert request.upload_too_large is None
