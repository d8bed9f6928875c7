#!/usr/bin/env python3
"""A loopback SMTP server for the benchmarks: accepts every message, keeps none, and counts them.

    bench/smtp_sink.py PORT COUNT_FILE

Enough RFC 5321 for lettre's client (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT); the number of
messages accepted so far is rewritten to COUNT_FILE at most ten times a second.
"""
import asyncio, os, sys, time

count = 0


async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    global count
    writer.write(b"220 bench-sink ESMTP\r\n")
    try:
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                writer.write(b"250-bench-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                # The whole message at once (the sink must not be what limits the drain).
                await reader.readuntil(b"\r\n.\r\n")
                count += 1
                writer.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                writer.write(b"250 ok\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        pass
    writer.close()


async def report(path: str) -> None:
    written = -1
    while True:
        if count != written:
            written = count
            with open(path + ".tmp", "w") as out:
                out.write(f"{written} {time.time():.3f}\n")
            os.replace(path + ".tmp", path)
        await asyncio.sleep(0.1)


async def main(port: int, path: str) -> None:
    server = await asyncio.start_server(session, "127.0.0.1", port, limit=16 * 1024 * 1024)
    async with server:
        await asyncio.gather(server.serve_forever(), report(path))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
