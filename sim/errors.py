"""Input errors: the one exception type the command line turns into exit status 2.

Every message names the file, the key, the value and what is allowed, so a user can fix the input
without reading a traceback (DESIGN.md section 5).
"""

from __future__ import annotations


class InputError(Exception):
    """A bad file, key, value or flag given by the user.

    Args:
        message: what is wrong and what is allowed.
        file: the file the bad input came from, if any.
        key: the dotted key of the bad value, if any.
        value: the bad value itself, if any.
    """

    def __init__(
        self, message: str, *, file: str | None = None, key: str | None = None, value=None
    ):
        self.file = file
        self.key = key
        self.value = value
        self.detail = message
        parts = []
        if file:
            parts.append(str(file))
        if key:
            parts.append(f"key '{key}'")
        if value is not None:
            parts.append(f"value {value!r}")
        prefix = ": ".join([", ".join(parts)]) if parts else ""
        super().__init__(one_line(f"{prefix}: {message}" if prefix else message))


def read_json_object(path, what: str) -> dict:
    """A JSON file that must hold an object: the object, or an :class:`InputError` naming the file.

    Args:
        path: the file (a ``pathlib.Path``).
        what: what the object is, for the messages ("a results manifest", "a run's outcome fields").
    """
    import json

    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else exc
        msg = f"corrupt: not readable JSON ({why}); expected {what}"
        raise InputError(msg, file=str(path)) from None
    if not isinstance(data, dict):
        raise InputError(f"corrupt: expected a JSON object ({what})", file=str(path))
    return data


def one_line(text: str) -> str:
    """``text`` with newlines and other unprintable characters escaped: a message stays one line
    even when a file's key or value holds them."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


class StoppedError(Exception):
    """Work stopped by its environment, not by bad input (a lost Dask scheduler): exit status 1.

    The message says what happened and how to carry on (``--resume``); the CLI prints it without a
    traceback.
    """


def did_you_mean(name: str, options) -> str:
    """``" (did you mean X?)"`` for the option closest to a misspelt ``name`` (difflib's ratio of
    at least 0.6, its default), else ``""``: a hint to append to a "not found" message."""
    import difflib

    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def check_seed(value, key: str = "seed") -> int:
    """A run's seed: a whole number in [0, 2**63 - 1] (numpy's seeds are >= 0; below 2**63 every
    record and int64 column holds them). The one rule for ``crmsim run --seed`` and the
    dashboard's seed field."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise InputError("expected a whole number in [0, 2**63 - 1]", key=key, value=value)
    return value
