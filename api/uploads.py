"""The upload size cap: stop reading a request body once its files pass the package limit.

Django's own limits (``DATA_UPLOAD_MAX_MEMORY_SIZE``) leave file parts alone, so
an upload of any size would otherwise be spooled to disk before a view looks at
it. :class:`SizeCapUploadHandler` counts file bytes as they stream in and raises
:class:`UploadTooLarge` as soon as they pass ``settings.PACKAGE_MAX_COMPRESSED_BYTES``;
:func:`check_content_length` refuses a declared ``Content-Length`` over the
limit before anything is read.

The handler must be installed before ``request.POST``/``request.FILES`` are
touched, which the CSRF middleware does for every POST; so :func:`cap_upload_size`
wraps a page view in ``csrf_exempt`` and applies ``csrf_protect`` itself after
installing the handler (Django's documented pattern for per-view upload handlers).
The publish API installs the handler in ``publishing.api.views.PackageUploadApi.initial``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt, csrf_protect

#: Bytes allowed on top of the file limit for boundaries, part headers and small fields.
MULTIPART_OVERHEAD_BYTES = 64 * 1024

#: Problem code of an upload over the limit (the same code the archive reader uses).
TOO_LARGE_CODE = "archive.too_large"


class UploadTooLarge(SuspiciousOperation):
    """The request body carries more file bytes than ``PACKAGE_MAX_COMPRESSED_BYTES``.

    A ``SuspiciousOperation``, so that if it escapes a view Django answers 400
    rather than 500; the API turns it into ``413`` with code ``archive.too_large``.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"The package is larger than the limit of {limit} bytes ({_mib(limit)}).")


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def max_package_bytes() -> int:
    """The largest package file accepted, in bytes."""
    return settings.PACKAGE_MAX_COMPRESSED_BYTES


def max_body_bytes() -> int:
    """The largest request body accepted for an upload, in bytes: file + small fields + overhead."""
    return max_package_bytes() + (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) + MULTIPART_OVERHEAD_BYTES


class SizeCapUploadHandler(FileUploadHandler):
    """Counts the bytes of every file part and raises :class:`UploadTooLarge` past ``limit``.

    Put it first (``request.upload_handlers.insert(0, ...)``): it passes each
    chunk on unchanged to the handlers after it, which store the file.
    """

    def __init__(self, request=None, *, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = max_package_bytes() if limit is None else limit
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadTooLarge(self.limit)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def check_content_length(request: HttpRequest) -> None:
    """Refuse a body whose declared ``Content-Length`` is over :func:`max_body_bytes`, unread.

    Raises:
        UploadTooLarge
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_body_bytes():
        raise UploadTooLarge(max_package_bytes())


def install_size_cap(request: HttpRequest) -> None:
    """Check ``Content-Length`` and put :class:`SizeCapUploadHandler` first; call before reading POST.

    Raises:
        UploadTooLarge: the declared length is over the limit.
    """
    check_content_length(request)
    request.upload_handlers.insert(0, SizeCapUploadHandler(request))


def cap_upload_size(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a page view that accepts a package upload (use it instead of nothing; it adds CSRF).

    For a POST it checks ``Content-Length``, installs :class:`SizeCapUploadHandler`
    and parses the body; then CSRF protection runs as usual. When the upload is too
    large, nothing more is read, ``request.POST``/``request.FILES`` are empty and
    ``request.upload_too_large`` holds the :class:`UploadTooLarge` (otherwise ``None``);
    the view must then show the error (status 413) and write nothing. The CSRF
    check is skipped only in that case, in which the view has no data to act on.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.upload_too_large = None
        if request.method == "POST":
            try:
                install_size_cap(request)
                request.POST  # noqa: B018 - parse now, with the cap in place.
            except UploadTooLarge as exc:
                request.upload_too_large = exc
                request._post, request._files = QueryDict(), MultiValueDict()
                return view(request, *args, **kwargs)
        return protected(request, *args, **kwargs)

    return wrapper
