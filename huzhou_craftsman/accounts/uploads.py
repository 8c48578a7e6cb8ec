"""Checks of uploaded files shared by every package: size, real type from the content (never the name), images
that open, and the SHA-256 of what is stored."""

import hashlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image

KINDS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    sha256: str
    size: int
    name: str


def detect_kind(head: bytes) -> str | None:
    """Return pdf/jpg/png from the file's content (never from its name), or None."""
    guess = filetype.guess(head)
    return KINDS.get(guess.mime) if guess else None


def safe_name(name: str) -> str:
    return (name or "upload")[-255:].replace("/", "_").replace("\\", "_")


def check_upload(upload, *, allowed: tuple[str, ...] = ("pdf", "jpg", "png"), allowed_label: str = "") -> CheckedUpload:
    """Refuse an empty, too large, mistyped or broken file; return its real kind and hash (the file is rewound)."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”大小为 %(size).1f MB，超过 %(limit)s MB 的上限。")
            % {"name": upload.name, "size": upload.size / 1048576, "limit": limit // 1048576}
        )
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": upload.name})
    upload.seek(0)
    kind = detect_kind(upload.read(2048))
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("文件“%(name)s”的实际内容不是 %(allowed)s 格式（系统按文件内容而非扩展名判断）。")
            % {"name": upload.name, "allowed": allowed_label or "、".join(k.upper() for k in allowed)}
        )
    upload.seek(0)
    if kind in ("jpg", "png"):
        try:
            Image.open(upload).verify()
        except Exception:
            raise ValidationError(_("图片“%(name)s”已损坏，无法打开。") % {"name": upload.name}) from None
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(kind=kind, sha256=digest.hexdigest(), size=upload.size, name=safe_name(upload.name))
