"""Where documents' bytes live: HEARTH_UPLOAD_DIR, outside the web root, under random names; and what a file is,
told by its first bytes, never by its name or the browser."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from crm.errors import DomainError

# The only types taken, by their magic bytes: (signature, content type, the extension a download is given).
SIGNATURES = ((b"%PDF-", "application/pdf", ".pdf"),
              (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
              (b"\x89PNG\r\n\x1a\n", "image/png", ".png"))
EXTENSIONS = {content_type: extension for _, content_type, extension in SIGNATURES}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Held:
    """An upload written to a temporary name in the upload folder, not yet a document's file."""

    path: Path
    content_type: str
    size: int
    sha256: str


def upload_dir() -> Path:
    folder = Path(current_app.config.get("HEARTH_UPLOAD_DIR") or Path(current_app.instance_path) / "uploads")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def path_of(stored_name: str) -> Path:
    return upload_dir() / stored_name


def sniff(head: bytes) -> str | None:
    """The content type the first bytes declare, among PDF, JPEG and PNG; None for anything else."""
    return next((content_type for magic, content_type, _ in SIGNATURES if head.startswith(magic)), None)


def hold(stream, max_bytes: int) -> Held:
    """Copy an upload to a temporary file beside the documents, checking its type and size as it goes. Refused
    (DomainError on "upload"), nothing is left on disk."""
    folder = upload_dir()
    path = folder / f"tmp-{secrets.token_urlsafe(24)}"
    digest, size, content_type = hashlib.sha256(), 0, None
    try:
        with open(path, "xb") as out:
            os.chmod(path, 0o600)
            while chunk := stream.read(CHUNK):
                if content_type is None:
                    content_type = sniff(chunk) or _refuse_type(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise DomainError(f"The file must be smaller than {megabytes(max_bytes)}", "upload")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise DomainError("The selected file is empty", "upload")
    except BaseException:
        discard(path)
        raise
    return Held(path, content_type, size, digest.hexdigest())


def _refuse_type(head: bytes) -> str:
    if not head:
        raise DomainError("The selected file is empty", "upload")
    raise DomainError("The selected file must be a PDF, JPG or PNG", "upload")


def keep(held: Held) -> str:
    """Give a held file its document's random name; returns that name."""
    stored = secrets.token_urlsafe(32)
    os.replace(held.path, held.path.with_name(stored))
    return stored


def discard(path: Path | None) -> None:
    if path is not None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def remove(stored_name: str | None) -> None:
    if stored_name:
        discard(path_of(stored_name))


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def safe_filename(name: str | None, content_type: str) -> str:
    """A filename fit to show and to offer as a download's name: no path, no control characters, no quotes, at most
    120 characters, ending in the extension of what the file really is."""
    name = unicodedata.normalize("NFKC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"<>:|?*;')
    stem = Path(name.strip(" .")).stem.strip(" .")[:100] or "document"
    return stem + EXTENSIONS[content_type]
