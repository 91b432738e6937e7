"""A small connection pool: connections are reused across units of work, one user at a time."""
from __future__ import annotations

import queue
from typing import Any, Callable


class Pool:
    def __init__(self, connect: Callable[[], Any], size: int = 8):
        self._connect, self._idle = connect, queue.LifoQueue(maxsize=size)

    def get(self) -> Any:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._connect()

    def put(self, conn: Any) -> None:
        try:
            self._idle.put_nowait(conn)
        except queue.Full:
            conn.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
