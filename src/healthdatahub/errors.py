"""The hub's user-facing error: one clear sentence, shown without a traceback."""


class HubError(Exception):
    """An error caused by the user's input or environment, explained in one sentence.

    The CLI prints the message and exits non-zero; the web layer turns it into a 4xx.
    """

    exit_code = 2


class NotFound(HubError):
    """What the user named does not exist (the web layer answers 404)."""

    status_code = 404
