"""Redaction of secrets in log messages: API keys, secrets and signatures never reach a log handler.

``install()`` (idempotent, done by ``terminal.connect``) wraps the log record factory so every record's message is
scrubbed, whichever logger or handler it goes through. ``register(value)`` adds a known secret (the session registers
the API key and secret it uses); ``signature=...`` query parameters and long key-like tokens after ``apikey`` /
``secret`` / ``signature`` words are masked by pattern.
"""
from __future__ import annotations

import logging
import re
import threading
from typing import Any

MASK = "****"
_PATTERNS = [
    re.compile(r"(signature=)[A-Za-z0-9%+/=_-]+", re.I),
    re.compile(r"((?:api[_-]?key|apikey|secret|signature|x-mbx-apikey)[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9+/=_-]{16,}", re.I),
]
#: a text none of the patterns can touch is returned at once (one search instead of a substitution per pattern)
_MAYBE = re.compile(r"signature|api[_-]?key|apikey|secret", re.I)
_known: set[str] = set()
_by_length: tuple[str, ...] = ()  # _known, longest first
_lock = threading.Lock()
_installed = False


def register(*values: str | None) -> None:
    """Mask these exact strings wherever they appear in a log message (ignores short or empty values)."""
    global _by_length
    with _lock:
        for v in values:
            if v and len(v) >= 8:
                _known.add(v)
        _by_length = tuple(sorted(_known, key=len, reverse=True))


def redact(text: str) -> str:
    if len(text) < 8:  # shorter than any known secret (8+) and than anything the patterns match
        return text
    for value in _by_length:
        if value in text:
            text = text.replace(value, MASK)
    if _MAYBE.search(text) is None:
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class _RedactedRecord(logging.LogRecord):
    def getMessage(self) -> str:  # noqa: N802 - logging's name
        return redact(super().getMessage())


def install() -> None:
    """Scrub every log record created from now on (keeps any custom factory already installed)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()
        if previous is logging.LogRecord:
            logging.setLogRecordFactory(_RedactedRecord)
        else:
            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                message = redact(record.getMessage())
                record.msg, record.args = message, ()
                return record
            logging.setLogRecordFactory(factory)
        _installed = True
