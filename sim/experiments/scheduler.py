"""The ``--scheduler`` address: checked for form, then contacted, before anything is written.

Without these checks the results folder was created before the scheduler was contacted, a malformed
address ended in a ValueError traceback, and a scheduler lost mid-sweep in a FutureCancelledError
traceback. :func:`check_address` rejects a malformed address with the forms Dask accepts;
:func:`probe` connects once (and disconnects) so an unreachable scheduler is reported before the
sweep touches its results folder.
"""

from __future__ import annotations

import re

from sim.errors import InputError
from sim.optional import require

__all__ = ["check_address", "probe", "SCHEMES", "PROBE_TIMEOUT"]

SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
#: Seconds to wait for a scheduler when probing (assumption: a live scheduler on a cluster answers
#: in well under a second; 20 s tolerates a busy one).
PROBE_TIMEOUT = 20
_ADDRESS = re.compile(
    r"^(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})$"
)
_FORMS = "expected SCHEME://HOST:PORT or HOST:PORT, e.g. tcp://10.0.0.5:8786 (schemes: " + (
    ", ".join(SCHEMES) + ")"
)


def check_address(address: str) -> str:
    """The address, if it has a form Dask can use.

    Raises:
        InputError: naming ``--scheduler``, the address and the forms allowed.
    """
    if isinstance(address, str) and address.startswith("inproc://") and len(address) > 9:
        return address  # an in-process scheduler (tests, notebooks): no host or port
    m = _ADDRESS.match(address or "") if isinstance(address, str) else None
    if m is None or (m["scheme"] and m["scheme"] not in SCHEMES):
        raise InputError(_FORMS, key="--scheduler", value=address)
    if not 1 <= int(m["port"]) <= 65535:
        raise InputError("the port must be in [1, 65535]", key="--scheduler", value=address)
    return address


def probe(address: str, timeout: float | None = None) -> None:
    """Connect to the scheduler and disconnect; raise a clear error if it cannot be reached."""
    check_address(address)
    timeout = PROBE_TIMEOUT if timeout is None else timeout
    client_cls = require("dask.distributed", "--scheduler").Client
    try:
        client = client_cls(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler ({exc}); is it running, and is the address right?",
            key="--scheduler",
            value=address,
        ) from None
    client.close()
