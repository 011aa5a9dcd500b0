"""Files that came with inbound messages: what is kept of each, and the size limits.

Each attachment of an inbound message becomes one :class:`Attachment` row next to the
message, in one of three states:

* ``stored``: its bytes are in the blob store under their SHA-256 (``sha256``);
* ``too_large``: over :data:`ATTACHMENT_MAX_BYTES`, or past
  :data:`MESSAGE_ATTACHMENTS_MAX_BYTES` for the whole message; name and size are kept,
  the bytes are not (for email the whole raw mail is kept instead, see ``docs/channels.md``);
* ``not_fetched``: a messaging app's media the adapter did not download; ``media_ref``
  holds the provider's media id (or URL).

Pure values and rules: no IO.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
"""One attachment larger than this is recorded ``too_large`` (name and size only)."""
MESSAGE_ATTACHMENTS_MAX_BYTES = 20 * 1024 * 1024
"""The attachments of one message are stored up to this total, in order; the ones that
would go past it are recorded ``too_large``."""
FILENAME_MAX_CHARS = 255
ACTIVE_CONTENT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "text/ecmascript",
        "application/x-shockwave-flash",
        "application/pdf+html",
    }
)
"""Types a browser would run or render as a page: always served as
``application/octet-stream``."""


class AttachmentState(StrEnum):
    STORED = "stored"
    TOO_LARGE = "too_large"
    NOT_FETCHED = "not_fetched"


@dataclass(frozen=True, slots=True)
class Attachment:
    id: str
    conversation_id: str
    message_id: str
    filename: str
    content_type: str
    size: int
    """Bytes (``-1``: unknown, for media not fetched)."""
    state: AttachmentState
    created_at: datetime
    position: int = 0
    """Its place among the message's attachments (0 first)."""
    sha256: str = ""
    media_ref: str = ""


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


def clean_filename(name: str) -> str:
    """The name as given, for display: path parts, control and bidi characters removed,
    Unicode normalised (NFC), at most :data:`FILENAME_MAX_CHARS`; never empty."""
    name = unicodedata.normalize("NFC", name)
    name = _CONTROL.sub("", name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = name.strip(". ") or "attachment"
    return name[:FILENAME_MAX_CHARS]


def clean_content_type(content_type: str) -> str:
    """A lower-case ``type/subtype``; anything else is ``application/octet-stream``."""
    value = content_type.split(";", 1)[0].strip().lower()
    return value if _TYPE.match(value) and len(value) <= 127 else "application/octet-stream"


def served_type(content_type: str) -> str:
    """The type a download is served as: active content never as itself."""
    value = clean_content_type(content_type)
    return "application/octet-stream" if value in ACTIVE_CONTENT_TYPES else value


def admitted(
    sizes: Sequence[int],
    per_attachment: int = ATTACHMENT_MAX_BYTES,
    per_message: int = MESSAGE_ATTACHMENTS_MAX_BYTES,
) -> list[bool]:
    """For each attachment size of one message, in order: whether it is stored (under
    both limits) or recorded ``too_large``."""
    out, total = [], 0
    for size in sizes:
        ok = 0 <= size <= per_attachment and total + size <= per_message
        if ok:
            total += size
        out.append(ok)
    return out
