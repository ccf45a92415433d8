"""A TCP proxy in front of a Redis, to take it away from the code under test and give it
back with its data: ``down()`` drops every connection and refuses new ones (a stopped
server, a network cut), ``hung()`` accepts and holds everything unanswered (a paused or
overloaded server, a black hole), ``up()`` forwards again to the same server."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class RedisProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.mode = "up"
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def up(self) -> None:
        self.mode = "up"

    def hung(self) -> None:
        self.mode = "hung"

    def down(self) -> None:
        self.mode = "down"
        with self.lock:
            for sock in self.sockets:
                _close(sock)
            self.sockets.clear()

    def close(self) -> None:
        self.closed = True
        self.down()
        _close(self.listener)

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "down":
                _close(client)
                continue
            with self.lock:
                self.sockets.append(client)
            if self.mode == "hung":
                continue  # held open, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.sockets.append(upstream)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while self.mode == "hung":  # hold what was asked, unanswered
                    time.sleep(0.02)
                if self.mode == "down":
                    break
                dst.sendall(data)
        except OSError:
            pass
        _close(src)
        _close(dst)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
