"""A tiny, constant-time HTTP/1.1 responder: any method, any path, one fixed JSON answer.

Run as `python -m bench.echo_server PORT` (127.0.0.1 only). It keeps connections alive and
does no work per request beyond reading it, so that client-side costs dominate the timings.
"""

from __future__ import annotations

import asyncio
import json
import sys

VIDEO_JOB = {
    "id": "video_bench_0001",
    "object": "video",
    "model": "together/video-model",
    "status": "completed",
    "created_at": 1700000000,
    "completed_at": 1700000100,
    "size": "1280x720",
    "seconds": "5",
    "outputs": {"cost": 1, "video_url": "https://example.com/video.mp4"},
}
_BODY = json.dumps(VIDEO_JOB).encode()
RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
    + str(len(_BODY)).encode()
    + b"\r\n\r\n"
    + _BODY
)


class _Responder(asyncio.Protocol):
    """Parses just enough of each request (headers, content-length) to answer it."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            length = 0
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            total = end + 4 + length
            if len(self.buffer) < total:
                return
            self.buffer = self.buffer[total:]
            assert self.transport is not None
            self.transport.write(RESPONSE)


async def _serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Responder, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    """Serve on 127.0.0.1:PORT until terminated."""
    asyncio.run(_serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
