"""Files a customer attaches to a booking, where the service asks for one.

A service asks through its `additionalData.attachment` (`"optional"` or `"required"`;
the sandbox's convention, see docs/sandbox.md). Only PDF, JPEG and PNG are taken,
recognised by their content as well as their name, up to MAX_BYTES. The file is sent
with `file/add` after the booking is made; if that fails the booking stands and the
confirmation says the file is missing.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import FileStorage

from booking_app.moduleapi import ModuleApiClient, ModuleApiError, models
from booking_app.web.i18n import _

log = logging.getLogger(__name__)

MAX_BYTES = 4 * 1024 * 1024
FORM_ALLOWANCE = 64 * 1024  # the rest of the form next to the file
# extension → the bytes every such file starts with
SIGNATURES: dict[str, bytes] = {
    "pdf": b"%PDF-",
    "png": b"\x89PNG\r\n\x1a\n",
    "jpg": b"\xff\xd8\xff",
    "jpeg": b"\xff\xd8\xff",
}
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
UNSAFE_NAME = re.compile(r"[^\w.\- ()]+")


@dataclass(frozen=True)
class Attachment:
    """A checked file, ready to send upstream."""

    file_name: str
    content: bytes


def attachment_mode(template: models.BookingTemplate) -> str | None:
    """`"required"`, `"optional"` or None (the service takes no file)."""
    mode = (template.additional_data or {}).get("attachment")
    return mode if mode in ("required", "optional") else None


def request_limit(mode: str | None, default: int | None) -> int | None:
    """The request body limit for a booking POST of a service with this mode."""
    return MAX_BYTES + FORM_ALLOWANCE if mode else default


def safe_file_name(name: str) -> str:
    """The name without folders, control or odd characters, at most 100 characters."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    cleaned = UNSAFE_NAME.sub("_", base).strip(" ._") or "attachment"
    stem, dot, ext = cleaned.rpartition(".")
    return f"{stem[:90]}{dot}{ext[:9]}" if dot else cleaned[:100]


def read_attachment(
    upload: FileStorage | None, mode: str | None
) -> tuple[Attachment | None, str | None]:
    """(the checked file or None, an error key or None) for the form's upload."""
    if mode is None:
        return None, None
    if upload is None or not upload.filename:
        return None, "missing" if mode == "required" else None
    content = upload.stream.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        return None, "too_large"
    name = safe_file_name(upload.filename)
    extension = name.rpartition(".")[2].lower()
    signature = SIGNATURES.get(extension)
    if not content:
        return None, "empty"
    if signature is None or not content.startswith(signature):
        return None, "type"  # a disguised file (an .exe renamed .pdf) fails here
    return Attachment(name, content), None


def attachment_error_text(key: str) -> str:
    """The sentence for an attachment error key (GOV.UK style)."""
    texts = {
        "missing": _("Choose a file to attach"),
        "too_large": _("The file must be smaller than 4 MB"),
        "empty": _("The file is empty"),
        "type": _("The file must be a PDF, JPEG or PNG"),
    }
    return texts.get(key, texts["type"])


def send_attachment(
    client: ModuleApiClient,
    org_id: str,
    appointment: models.Appointment,
    attachment: Attachment,
    lang: str,
) -> dict[str, Any]:
    """Attach the file to the appointment unless it already is (a resubmitted form
    finds the appointment with its file); `{"ok": bool}`, never raising: the booking
    stands either way."""
    if any(f.file_name == attachment.file_name for f in appointment.files):
        return {"ok": True}
    try:
        client.add_file(
            org_id,
            appointment.id,
            name=_("Attachment"),
            file_name=attachment.file_name,
            content=attachment.content,
            lang=lang,
        )
    except ModuleApiError as error:
        log.warning("attachment not sent: %s", type(error).__name__)
        return {"ok": False}
    return {"ok": True}
