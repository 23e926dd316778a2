"""The sandbox's messages in the API's two languages, and the envelope around them."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "de")

TEXTS: dict[str, tuple[str, str]] = {
    # key: (English, German)
    "missing": ("This parameter is missing.", "Dieser Parameter fehlt."),
    "invalid_type": ("This value has the wrong type.", "Dieser Wert hat den falschen Typ."),
    "invalid_value": ("This value is not allowed.", "Dieser Wert ist nicht zulässig."),
    "unknown_field": ("This parameter is not allowed.", "Dieser Parameter ist nicht erlaubt."),
    "too_long": ("This value is too long.", "Dieser Wert ist zu lang."),
    "invalid_email": (
        "This is not a valid email address.",
        "Dies ist keine gültige E-Mail-Adresse.",
    ),
    "invalid_id": ("This id is malformed.", "Diese ID ist ungültig."),
    "not_found": ("Nothing with this id exists.", "Zu dieser ID existiert nichts."),
    "route_not_found": ("This route does not exist.", "Diese Route existiert nicht."),
    "method_not_allowed": (
        "This method is not allowed on this route.",
        "Diese Methode ist für diese Route nicht erlaubt.",
    ),
    "invalid_json": (
        "The request body is not valid JSON.",
        "Der Request-Body ist kein gültiges JSON.",
    ),
    "body_not_object": (
        "The request body must be a JSON object.",
        "Der Request-Body muss ein JSON-Objekt sein.",
    ),
    "body_too_large": ("The request body is too large.", "Der Request-Body ist zu groß."),
    "route_forbidden": (
        "This module may not use this route.",
        "Dieses Modul darf diese Route nicht verwenden.",
    ),
    "unauthorized": (
        "Authentication failed: send a valid access token.",
        "Authentifizierung fehlgeschlagen: bitte ein gültiges Access-Token senden.",
    ),
    "token_expired": ("The access token has expired.", "Das Access-Token ist abgelaufen."),
    "token_other_organization": (
        "The access token is not valid for this organization.",
        "Das Access-Token gilt nicht für diese Organisation.",
    ),
    "year_out_of_range": (
        "Only the current and the next year can be requested.",
        "Nur das aktuelle und das nächste Jahr können abgefragt werden.",
    ),
    "week_out_of_range": (
        "This week does not exist in this year.",
        "Diese Woche existiert in diesem Jahr nicht.",
    ),
    "month_out_of_range": (
        "The month must be 1 to 12.",
        "Der Monat muss zwischen 1 und 12 liegen.",
    ),
    "day_out_of_range": (
        "This day does not exist in this month.",
        "Dieser Tag existiert in diesem Monat nicht.",
    ),
    "slot_invalid": ("This booking slot does not exist.", "Dieser Buchungsslot existiert nicht."),
    "slot_taken": (
        "This booking slot is no longer available.",
        "Dieser Buchungsslot ist nicht mehr verfügbar.",
    ),
    "slot_other_template": (
        "The new slot must belong to the same booking template.",
        "Der neue Slot muss zur selben Buchungsvorlage gehören.",
    ),
    "custom_id_taken": (
        "An appointment with this customId already exists.",
        "Ein Termin mit dieser customId existiert bereits.",
    ),
    "already_canceled": (
        "The appointment has already been canceled.",
        "Der Termin wurde bereits storniert.",
    ),
    "already_started": (
        "The appointment has already started and can no longer be changed.",
        "Der Termin hat bereits begonnen und kann nicht mehr geändert werden.",
    ),
    "file_too_large": ("The file is too large.", "Die Datei ist zu groß."),
    "invalid_base64": (
        "The file content is not valid base64.",
        "Der Dateiinhalt ist kein gültiges Base64.",
    ),
    "server_error": ("An internal error occurred.", "Ein interner Fehler ist aufgetreten."),
    "service_unavailable": (
        "The service is temporarily unavailable.",
        "Der Dienst ist vorübergehend nicht verfügbar.",
    ),
    "appointment_added": ("The appointment has been booked.", "Der Termin wurde gebucht."),
    "appointment_moved": ("The appointment has been moved.", "Der Termin wurde verschoben."),
    "appointment_canceled": ("The appointment has been canceled.", "Der Termin wurde storniert."),
    "file_added": ("The file has been added.", "Die Datei wurde hinzugefügt."),
}


def text(key: str, lang: str) -> str:
    """The message for `key` in `lang` (`en` or `de`)."""
    english, german = TEXTS[key]
    return german if lang == "de" else english


def message(
    key: str, lang: str, parameter: str | None = None, kind: str = "failure"
) -> dict[str, Any]:
    """One entry of an envelope's `messageList`."""
    return {"class": "MESSAGE", "type": kind, "parameter": parameter, "text": text(key, lang)}


def envelope(content: Any = None, messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The `{"messageList": [...], "content": ...}` wrapper of every response."""
    return {"messageList": messages or [], "content": content}


class ApiError(Exception):
    """An error answered as an envelope with failure messages and an HTTP status."""

    def __init__(self, status: int, failures: list[tuple[str | None, str]]) -> None:
        super().__init__(status, failures)
        self.status = status
        self.failures = failures  # (parameter, message key)

    def body(self, lang: str) -> dict[str, Any]:
        """The envelope for this error in `lang`."""
        return envelope(None, [message(key, lang, param) for param, key in self.failures])


def fail(status: int, key: str, parameter: str | None = None) -> ApiError:
    """An ApiError with a single failure (`raise fail(404, "not_found", "appointmentId")`)."""
    return ApiError(status, [(parameter, key)])
