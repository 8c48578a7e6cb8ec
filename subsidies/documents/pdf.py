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
    return html_to_pdf_and_anchor(html)[0]


# WeasyPrint lays out in CSS pixels (96 per inch); PDF counts points (72 per inch) from the bottom-left corner.
PX_TO_PT = 0.75


def _anchor_box(document, anchor_id: str):
    """The page and PDF box (points, origin bottom-left) of the element with id ``anchor_id``, or None."""
    from .signing import SealPlacement

    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():  # WeasyPrint's layout tree: the one way to learn where a box went
            element = getattr(box, "element", None)
            if element is not None and element.get("id") == anchor_id:
                x, y = box.position_x + box.margin_left, box.position_y + box.margin_top
                width, height = box.border_width(), box.border_height()
                page_height = page.height
                return SealPlacement(
                    page=number,
                    box=(
                        x * PX_TO_PT,
                        (page_height - y - height) * PX_TO_PT,
                        (x + width) * PX_TO_PT,
                        (page_height - y) * PX_TO_PT,
                    ),
                )
    return None


def html_to_pdf_and_anchor(html: str, anchor_id: str = ""):
    """Lay out the HTML; return the PDF and where the element ``anchor_id`` (the seal's place) landed."""
    try:
        document = HTML(string=html, base_url=static_root().as_uri() + "/", url_fetcher=StaticOnlyURLFetcher()).render(
            font_config=font_config()
        )
        placement = _anchor_box(document, anchor_id) if anchor_id else None
        return document.write_pdf(), placement
    except FatalURLFetchingError as error:
        # A BaseException in WeasyPrint: turned into an ordinary error so a worker treats it as a failed task.
        raise DocumentRenderError(str(error.__cause__ or error)) from error
