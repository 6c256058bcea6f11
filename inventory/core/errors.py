"""Domain errors carry the API error code and HTTP status so every layer reports them the same way.

Messages are usually ``lazy_gettext`` strings: they are rendered when read, in the language of whoever
reads them (the web user's, English for the API and outside requests).
"""
from __future__ import annotations

import copy

from flask_babel.speaklater import LazyString

#: a message as raised: plain text or a lazy translation
Text = str | LazyString


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: Text, *, code: str | None = None, fields: dict[str, list[Text]] | None = None):
        super().__init__(message)
        self._message = message
        if code:
            self.code = code
        self._fields = fields or {}

    @property
    def message(self) -> str:
        """Rendered at access time, so a message raised once reads right in the reader's language."""
        return str(self._message)

    @property
    def fields(self) -> dict[str, list[str]]:
        """Field name -> messages, rendered at access time like ``message``."""
        return {name: [str(m) for m in messages] for name, messages in self._fields.items()}

    def under(self, prefix: str) -> "DomainError":
        """The same error with its fields named inside the body member ``prefix`` (``receipt.origin``), as the
        schema names a nested body's errors (docs/api.md "Errors")."""
        nested = copy.copy(self)
        nested._fields = {name if name == prefix or name.startswith(f"{prefix}.") else f"{prefix}.{name}": messages
                          for name, messages in self._fields.items()}
        return nested


class NotFound(DomainError):
    status, code = 404, "not_found"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Conflict(DomainError):
    status, code = 409, "conflict"


class Invalid(DomainError):
    status, code = 422, "validation_error"

    @classmethod
    def field(cls, name: str, message: Text) -> "Invalid":
        return cls(message, fields={name: [message]})
