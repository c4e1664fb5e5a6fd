"""--serve: the app in a web browser, through textual-serve (an optional extra).

textual-serve runs one app process per browser tab, from a shell command:
here `python -m tui` with the same preset options as this command line, so
every tab starts where `backprop-tui OPTIONS` would in a terminal. The
options are checked once before serving, so a typo is reported here and
not in each tab.

The threat: every tab is an app that can read and write files as the user
who started the server (ctrl+s, exports, ctrl+o). textual-serve itself
accepts any websocket, so a web page on any site, open in the same browser,
could connect to ws://127.0.0.1:PORT/ws, start an app and type into it. So
`GuardedServer` accepts a websocket only when

- its Origin is this server's own page (the Host the browser asked for,
  which must also be a name of the address served: 127.0.0.1, localhost or
  [::1] for a loopback address; this also defeats DNS rebinding), and
- it carries the random token that the command prints in the URL to open
  (`/?token=...`; the page passes it on in the websocket's path), unless
  `--no-token` is given;

and it runs at most `--max-apps` apps at once (default 8); a tab beyond the
cap is told so in its terminal and in the server's log. Bind to 127.0.0.1
(the default) unless the network is trusted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

# hmac, ipaddress, secrets and shlex are imported where they are used: the
# command line imports this module, and the app opens without them (issue 15).

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_APPS = 8
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
INSTALL_HINT = "textual-serve is not installed; install backprop-tui[serve]"

# Options of the server itself, not passed on to each tab's app.
_SERVER_FLAGS = frozenset({"--serve", "--no-token"})
_SERVER_OPTIONS = frozenset({"--port", "--host", "--max-apps"})


class ServeError(Exception):
    """Serving cannot start; the message is one line naming the option."""


def app_arguments(argv: Sequence[str]) -> list[str]:
    """The command line without the server's own options (--serve, --port, --host, --no-token, --max-apps)."""
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
    import shlex

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
    import socket  # not at launch: only --serve listens

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


def max_apps_number(text: str) -> int:
    word = text.strip()
    if not (word.isascii() and word.isdigit()) or not 1 <= int(word) <= 1000:
        raise ServeError(f"--max-apps: {text!r} is not a number of apps (1 to 1000)")
    return int(word)


def new_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


def allowed_hosts(host: str, port: int) -> frozenset[str] | None:
    """The Host values (name:port) a browser may use to reach this server; None when
    serving on every interface (then only same-origin is checked, and the token matters)."""
    import ipaddress

    name = host.strip("[]")
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if address is not None and address.is_unspecified:
        return None
    names = {f"[{name}]" if ":" in name else name}
    if name == "localhost" or (address is not None and address.is_loopback):
        names.update(LOOPBACK_NAMES)
    return frozenset(f"{n}:{port}".lower() for n in names)


def origin_refusal(origin: str | None, host_header: str | None, allowed: frozenset[str] | None) -> str | None:
    """Why a websocket with this Origin and Host must be refused, or None if it is this server's own page."""
    if not origin:
        return "no Origin header (only this server's own page may connect)"
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"foreign Origin {origin!r}"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"foreign Origin {origin!r}"
    hostname = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    origin_host = f"{hostname}:{port}".lower()
    host = (host_header or "").lower()
    if ":" not in host.rsplit("]", 1)[-1]:
        host = f"{host}:{443 if parts.scheme == 'https' else 80}"
    if origin_host != host:
        return f"foreign Origin {origin!r} (this server is {host_header!r})"
    if allowed is not None and host not in allowed:
        return f"unknown Host {host_header!r} (this server answers to {', '.join(sorted(allowed))})"
    return None


def token_refusal(given: str | None, token: str | None) -> str | None:
    import hmac

    if token is None:
        return None
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        return "missing or wrong token (open the address that backprop-tui --serve printed)"
    return None


def refused_app_text(max_apps: int) -> bytes:
    return (
        f"\r\nbackprop-tui: {max_apps} apps are already running, the limit of --max-apps; "
        "close another tab, then reload this one.\r\n"
    ).encode()


def make_server(command: str, host: str, port: int, token: str | None, max_apps: int) -> Any:
    """A textual-serve Server that checks Origin and token and caps the apps (see the module docstring)."""
    import aiohttp_jinja2
    import jinja2
    from aiohttp import web
    from textual_serve.server import Server

    class GuardedServer(Server):
        def __init__(self) -> None:
            super().__init__(command, host=host, port=port, title="backprop-tui")
            self.token = token
            self.max_apps = max_apps
            self.running = 0
            self.allowed = allowed_hosts(host, port)
            self.ws_path = f"/ws/{token}" if token else "/ws"

        async def _make_app(self) -> web.Application:
            app = web.Application()
            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
            app.add_routes(
                [
                    web.get("/", self.handle_index, name="index"),
                    web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                    web.get("/ws", self.handle_websocket),
                    web.get("/download/{key}", self.handle_download, name="download"),
                    web.static("/static", self.statics_path, show_index=False, name="static"),
                ]
            )
            app.on_startup.append(self.on_startup)
            app.on_shutdown.append(self.on_shutdown)
            return app

        async def on_startup(self, app: web.Application) -> None:
            query = f"?token={self.token}" if self.token else ""
            print(f"Serving backprop-tui; open {self.public_url}/{query}", flush=True)
            self.console.print(
                f"Up to {self.max_apps} apps at once; each can read and write files as this user. Ctrl+C stops.",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )

        async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
            refusal = token_refusal(request.query.get("token"), self.token)
            if refusal:
                return web.Response(status=403, text=f"backprop-tui: {refusal}\n")
            font_size = request.query.get("fontsize", "16")
            base = f"{request.scheme}://{request.host}"
            ws_scheme = "wss" if request.scheme == "https" else "ws"
            context = {
                "font_size": int(font_size) if font_size.isascii() and font_size.isdigit() else 16,
                "app_websocket_url": f"{ws_scheme}://{request.host}{self.ws_path}",
                "config": {"static": {"url": f"{base}/static/"}},
                "application": {"name": self.title},
            }
            return aiohttp_jinja2.render_template("app_index.html", request, context)

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            refusal = origin_refusal(request.headers.get("Origin"), request.host, self.allowed) or token_refusal(
                request.match_info.get("token"), self.token
            )
            if refusal:
                self.console.print(f"Refused a connection: {refusal}", highlight=False, markup=False, soft_wrap=True)
                raise web.HTTPForbidden(text=f"backprop-tui: {refusal}\n")
            if self.running >= self.max_apps:
                self.console.print(
                    f"Refused a connection: {self.max_apps} apps are running (--max-apps)",
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )
                socket_ = web.WebSocketResponse()
                await socket_.prepare(request)
                await socket_.send_bytes(refused_app_text(self.max_apps))
                await socket_.close(code=1013, message=b"too many apps")
                return socket_
            self.running += 1
            try:
                return await super().handle_websocket(request)
            finally:
                self.running -= 1

    return GuardedServer()


def serve(
    argv: Sequence[str], host: str, port: int, token: str | None = None, max_apps: int = DEFAULT_MAX_APPS
) -> None:
    """Serve the app until Ctrl-C; ServeError if it cannot start. `token` None: no token asked."""
    try:
        import textual_serve.server  # noqa: F401
    except ImportError:
        raise ServeError(f"--serve: {INSTALL_HINT}") from None
    check_listen(host, port)
    server = make_server(app_command(argv), host, port, token, max_apps)
    try:
        server.serve()
    except OSError as exc:  # lost a race for the port since the check
        raise ServeError(f"--port: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
