"""The PDF engine: WeasyPrint with one FontConfiguration per process and a URL fetcher that serves only static files.

Never given user-supplied HTML: only what ``render.document_html`` made from Django templates with autoescaping.
"""

import logging
import mimetypes
import os
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .render import DocumentRenderError

# WeasyPrint logs every rendering step at INFO; a worker making thousands of letters keeps only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def static_root() -> Path:
    return (Path(settings.BASE_DIR) / "static").resolve()


class URLRefused(ValueError):
    """A document asked for something other than a file under the project's static directory."""


class StaticOnlyURLFetcher(URLFetcher):
    """Serve files under the project's static directory and refuse every other URL (http, data, other files).

    A refusal stops the rendering: a letter that silently lost its stylesheet or seal must not be issued.
    """

    def __init__(self, root: Path | None = None):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)
        self.root = (root or static_root()).resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query:
            raise URLRefused(f"only local static files may be used in a document, not {url}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise URLRefused(f"{url} is not a file under {self.root}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})


_font_config: FontConfiguration | None = None
_font_config_pid: int | None = None


def font_config() -> FontConfiguration:
    """The process's one FontConfiguration (made on first use, again after a fork).

    Made per document it costs ~50% more time and memory climbs; reused, fontconfig's caches stay warm.
    """
    global _font_config, _font_config_pid
    if _font_config is None or _font_config_pid != os.getpid():
        _font_config, _font_config_pid = FontConfiguration(), os.getpid()
    return _font_config


def html_to_pdf(html: str) -> bytes:
    """Lay out trusted, template-rendered HTML with the shared fonts and the static-only fetcher."""
    try:
        return HTML(string=html, base_url=static_root().as_uri() + "/", url_fetcher=StaticOnlyURLFetcher()).write_pdf(
            font_config=font_config()
        )
    except FatalURLFetchingError as error:
        # A BaseException in WeasyPrint: turned into an ordinary error so a worker treats it as a failed task.
        raise DocumentRenderError(str(error.__cause__ or error)) from error
