"""Structured JSON logs. Message text, passwords and tokens are never passed to a logger."""

from __future__ import annotations

import logging
import sys

import msgspec

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
_encoder = msgspec.json.Encoder()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event and the record's ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render a record."""
        data: dict[str, object] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return _encoder.encode(data).decode()


# Libraries whose DEBUG output contains frame payloads (message text) or request headers
# (bearer tokens, cookies). They never log below INFO, whatever the service's level.
PROTOCOL_LOGGERS = ("uvicorn.error", "uvicorn.access", "websockets", "httpx", "httpcore", "redis")


def quiet_protocol_loggers() -> None:
    """Keep third-party wire-level debugging (which would log text and tokens) switched off."""
    for name in PROTOCOL_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)


def configure(level: str = "INFO") -> None:
    """Send JSON logs to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quiet_protocol_loggers()
    # uvicorn's access log would print request paths with tokens in query strings if any client sent them.
    logging.getLogger("uvicorn.access").disabled = True
