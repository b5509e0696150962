"""Route Qt's own messages (qDebug, qWarning ...) into the ``crmdesk.qt`` logger."""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("crmdesk.qt")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _handle(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    level = _LEVELS.get(kind, logging.WARNING)
    if context.category and context.category != "default":
        log.log(level, "[%s] %s", context.category, message)
    else:
        log.log(level, "%s", message)


def route_qt_messages() -> None:
    """Install the handler; call once, before the QApplication is created."""
    qInstallMessageHandler(_handle)


def restore_qt_messages() -> None:
    """Give Qt's messages back to Qt's default handler."""
    qInstallMessageHandler(None)
