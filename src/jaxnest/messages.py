"""jaxnest's messages on Python's ``logging`` and ``warnings``, filtered by NEST's verbosity.

NEST prints its kernel's messages to stderr as ``[LEVEL] [time] text`` when their level
reaches ``nest.verbosity`` (``set_verbosity("M_WARNING")`` in the old form): levels below WARNING to
stdout, the others to stderr. jaxnest sends the
same messages to the ``logging`` logger ``"jaxnest"`` (NEST's levels mapped onto logging's, in
order) with a handler that prints them as NEST does; ``nest.verbosity`` sets the logger's
level, and ``logging.getLogger("jaxnest")`` is where to redirect or silence them the Python way.
Settings that jaxnest accepts but ignores are NEST WARNING-level messages issued with
``warnings.warn`` (category :class:`JaxnestWarning`), so that both ``nest.verbosity`` (at ERROR
or above they are not issued) and ``warnings.filterwarnings`` silence them.
"""
from __future__ import annotations

import enum
import logging
import os
import sys
import warnings


class VerbosityLevel(enum.IntEnum):
    """NEST 3.10's message levels (``nest.verbosity = nest.VerbosityLevel.WARNING``)."""

    ALL = 0
    DEBUG = 5
    STATUS = 7
    INFO = 10
    PROGRESS = 15
    DEPRECATED = 18
    WARNING = 20
    ERROR = 30
    FATAL = 40
    QUIET = 100


class JaxnestWarning(UserWarning):
    """A setting NEST has that jaxnest accepts but does not act on (yet)."""


# NEST level -> logging level (same order; logging's own names where they exist)
_PY_LEVEL = {VerbosityLevel.ALL: 1, VerbosityLevel.DEBUG: logging.DEBUG,
             VerbosityLevel.STATUS: 15, VerbosityLevel.INFO: logging.INFO,
             VerbosityLevel.PROGRESS: 23, VerbosityLevel.DEPRECATED: 26,
             VerbosityLevel.WARNING: logging.WARNING, VerbosityLevel.ERROR: logging.ERROR,
             VerbosityLevel.FATAL: logging.CRITICAL, VerbosityLevel.QUIET: logging.CRITICAL + 10}
_NEST_NAME = {v: k.name for k, v in _PY_LEVEL.items()}
for _level, _name in ((15, "STATUS"), (23, "PROGRESS"), (26, "DEPRECATED")):
    logging.addLevelName(_level, _name)


class _NestFormat(logging.Formatter):
    def format(self, record):
        record.nest_level = _NEST_NAME.get(record.levelno, record.levelname)
        return super().format(record)


class _NestStreams(logging.Handler):
    """Prints as NEST's logger does: below WARNING to stdout, WARNING and above to stderr
    (whatever sys.stdout / sys.stderr are when a message is emitted)."""

    def emit(self, record):
        try:
            stream = sys.stdout if record.levelno < logging.WARNING else sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001 - logging's contract: never raise from emit
            self.handleError(record)


LOGGER = logging.getLogger("jaxnest")
if not LOGGER.handlers:
    _handler = _NestStreams()
    _handler.setFormatter(_NestFormat("[%(nest_level)s] [%(asctime)s] %(message)s",
                                      "%Y-%m-%d %H:%M:%S"))
    LOGGER.addHandler(_handler)
    LOGGER.propagate = False  # printed once, as NEST prints; redirect via this logger
_verbosity = [VerbosityLevel.INFO]
LOGGER.setLevel(_PY_LEVEL[_verbosity[0]])


def set_verbosity(level: VerbosityLevel) -> None:
    _verbosity[0] = VerbosityLevel(int(level))
    LOGGER.setLevel(_PY_LEVEL[_verbosity[0]])


def get_verbosity() -> VerbosityLevel:
    return _verbosity[0]


def message(text: str, severity=VerbosityLevel.INFO) -> None:
    """Log ``text`` at NEST level ``severity`` (shown when it reaches the verbosity)."""
    LOGGER.log(_PY_LEVEL[VerbosityLevel(int(severity))], text)


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _stacklevel() -> int:
    """warnings' stacklevel of the first caller outside jaxnest (the user's line)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def warn(text: str) -> None:
    """A NEST WARNING-level message through ``warnings.warn``, unless the verbosity is above
    WARNING (as NEST would not print it)."""
    if _verbosity[0] <= VerbosityLevel.WARNING:
        warnings.warn(text, JaxnestWarning, stacklevel=_stacklevel())
