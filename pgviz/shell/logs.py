"""`--log-format json`: one JSON object per log line on stderr (journald, Docker, shippers)."""

from __future__ import annotations

import json
import logging
import time

__all__ = ["JsonLogFormatter"]


class JsonLogFormatter(logging.Formatter):
    """One JSON object per log record: time (ISO 8601, UTC), level, logger, message, and
    the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        obj = {"time": f"{stamp}.{int(record.msecs):03d}Z", "level": record.levelname,
               "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            obj["exception"] = self.formatException(record.exc_info)
        return json.dumps(obj, default=str)
