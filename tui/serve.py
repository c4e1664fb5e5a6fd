"""--serve: the app in a web browser, through textual-serve (an optional extra).

textual-serve runs one app process per browser tab, from a shell command:
here `python -m tui` with the same preset options as this command line, so
every tab starts where `backprop-tui OPTIONS` would in a terminal. The
options are checked once before serving, so a typo is reported here and
not in each tab.

Bind to 127.0.0.1 (the default) unless the network is trusted: whoever can
reach the port gets the app, which can read and write files (sessions,
exports) as the user who started the server.
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
from collections.abc import Sequence

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
INSTALL_HINT = "textual-serve is not installed; install backprop-tui[serve]"

# Options of the server itself, not passed on to each tab's app.
_SERVER_FLAGS = frozenset({"--serve"})
_SERVER_OPTIONS = frozenset({"--port", "--host"})


class ServeError(Exception):
    """Serving cannot start; the message is one line naming the option."""


def app_arguments(argv: Sequence[str]) -> list[str]:
    """The command line without the server's own options (--serve, --port, --host)."""
    out: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        if token == "--":  # what follows is positional: pass it all on
            out.append(token)
            out.extend(tokens)
            break
        name = token.split("=", 1)[0]
        if token in _SERVER_FLAGS:
            continue
        if name in _SERVER_OPTIONS:
            if "=" not in token:
                next(tokens, None)  # its value
            continue
        out.append(token)
    return out


# Each tab's app is started with -I, so the folder the server was started in
# (perhaps one with its own model.py or tui.py) is not on sys.path, and with
# the folder that holds this copy of model/ and tui/ put first instead.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LAUNCH = "import sys; sys.path.insert(0, sys.argv.pop(1)); from tui.cli import main; raise SystemExit(main())"


def app_command(argv: Sequence[str]) -> str:
    """The shell command textual-serve runs for each browser tab."""
    return shlex.join([sys.executable, "-I", "-c", _LAUNCH, _ROOT, *app_arguments(argv)])


def port_number(text: str) -> int:
    word = text.strip()
    if not (word.isascii() and word.isdigit()) or not 1 <= int(word) <= 65535:
        raise ServeError(f"--port: {text!r} is not a port number (1 to 65535)")
    return int(word)


def host_name(text: str) -> str:
    host = text.strip()
    if not host or any(not ch.isprintable() or ch.isspace() for ch in host):
        raise ServeError(f"--host: {text!r} is not a host name or address")
    return host


def check_listen(host: str, port: int) -> None:
    """Fail now, in one line, if the address cannot be bound (in use, unknown host)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise ServeError(f"--host: cannot resolve {host!r}: {getattr(exc, 'strerror', None) or exc}") from None
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        raise ServeError(f"--port: cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(argv: Sequence[str], host: str, port: int) -> None:
    """Serve the app until Ctrl-C; ServeError if it cannot start."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise ServeError(f"--serve: {INSTALL_HINT}") from None
    check_listen(host, port)
    server = Server(app_command(argv), host=host, port=port, title="backprop-tui")
    try:
        server.serve()
    except OSError as exc:  # lost a race for the port since the check
        raise ServeError(f"--port: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
