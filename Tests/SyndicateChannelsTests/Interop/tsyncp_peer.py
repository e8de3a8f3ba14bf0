#!/usr/bin/env python3
"""An independent tsyncp peer for the interop tests, written from tsyncp's source: its
VariedLengthDelimitedCodec framing and its JSON (serde_json), protobuf (prost) and bincode 1.x
(`bincode::serialize`) codecs. Standard library only; the protobuf encoding is written by hand.

  tsyncp_peer.py send HOST PORT CODEC      connect, send the test vectors for CODEC, close
  tsyncp_peer.py receive HOST PORT CODEC   connect, read frames until EOF, check them byte for byte
  tsyncp_peer.py oversize HOST PORT        connect, announce an 8 MiB + 1 frame, wait to be closed
  tsyncp_peer.py barrier HOST PORT         connect, wait for the release frame 01 00
  tsyncp_peer.py hold HOST PORT            connect, send one raw frame; on "go" on stdin send the rest

CODEC is raw, json, protobuf or bincode. Prints one result line; exits 0 on success.
"""
import json
import socket
import struct
import sys

MAX_FRAME = 8 * 1024 * 1024
SIZES = [0, 1, 127, 128, 16383, 16384, 2097151, 2097152, MAX_FRAME]


# -- framing ---------------------------------------------------------------------------------

def header(n):
    """The shortest header for a payload of n bytes."""
    if n < 1 << 7:
        return bytes([n])
    if n < 1 << 14:
        return (n | 0x8000).to_bytes(2, "big")
    if n < 1 << 21:
        return (n | 0xC00000).to_bytes(3, "big")
    if n < 1 << 29:
        return (n | 0xE0000000).to_bytes(4, "big")
    raise ValueError("frame too long")


def frame(payload):
    if len(payload) > MAX_FRAME:
        raise ValueError("frame over the limit")
    return header(len(payload)) + payload


def read_exact(sock, n):
    chunks = []
    while n > 0:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(sock):
    """(raw header bytes, payload), or None at EOF."""
    first = read_exact(sock, 1)
    if first is None:
        return None
    top = first[0] & 0xE0
    size = 4 if top == 0xE0 else 3 if top == 0xC0 else 2 if top in (0x80, 0xA0) else 1
    rest = read_exact(sock, size - 1) if size > 1 else b""
    if rest is None:
        raise EOFError("connection closed inside a header")
    head = first + rest
    mask = 0x7F if size == 1 else 0x3F if size == 2 else 0x1F
    length = int.from_bytes(bytes([head[0] & mask]) + head[1:], "big")
    if length > MAX_FRAME:
        raise ValueError("frame of %d bytes over the limit" % length)
    payload = read_exact(sock, length) if length else b""
    if payload is None:
        raise EOFError("connection closed inside a payload")
    return head, payload


# -- the test items --------------------------------------------------------------------------

def items():
    texts = ["", "hello", "h\u00e9llo \u2713 \"quoted\" back\\slash", "x" * 200, "end"]
    deltas = [0, -1, -(2 ** 63), 2 ** 63 - 1, 1234567]
    out = []
    for i in range(5):
        out.append({
            "seq": [0, 1, 300, 2 ** 64 - 1, 2 ** 32][i],
            "text": texts[i],
            "blob": list(range(i * 3)),
            "delta": deltas[i],
            "note": None if i % 2 == 0 else "n%d" % i,
        })
    return out


def raw_payload(n):
    return bytes(i % 251 for i in range(n)) if n < 4096 else (bytes(range(251)) * (n // 251 + 1))[:n]


# serde_json: fields in declaration order, compact, UTF-8 unescaped, `None` as null.
def encode_json(item):
    return json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# prost, for `message ChannelTestItem { uint64 seq = 1; string text = 2; bytes blob = 3; sint64 delta = 4; }`:
# fields in number order, proto3 defaults left out. (`note` is not in the message.)
def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_protobuf(item):
    out = bytearray()
    if item["seq"]:
        out += varint(1 << 3 | 0) + varint(item["seq"])
    text = item["text"].encode("utf-8")
    if text:
        out += varint(2 << 3 | 2) + varint(len(text)) + text
    blob = bytes(item["blob"])
    if blob:
        out += varint(3 << 3 | 2) + varint(len(blob)) + blob
    delta = item["delta"]
    if delta:
        out += varint(4 << 3 | 0) + varint((delta << 1) ^ (delta >> 63))
    return bytes(out)


# bincode 1.x `serialize`: fixed-width little-endian integers, u64 lengths, Option tag 0/1.
def encode_bincode(item):
    text = item["text"].encode("utf-8")
    blob = bytes(item["blob"])
    out = struct.pack("<Q", item["seq"]) + struct.pack("<Q", len(text)) + text
    out += struct.pack("<Q", len(blob)) + blob + struct.pack("<q", item["delta"])
    if item["note"] is None:
        out += b"\x00"
    else:
        note = item["note"].encode("utf-8")
        out += b"\x01" + struct.pack("<Q", len(note)) + note
    return out


ENCODERS = {"json": encode_json, "protobuf": encode_protobuf, "bincode": encode_bincode}


def payloads(codec):
    if codec == "raw":
        return [raw_payload(n) for n in SIZES]
    return [ENCODERS[codec](item) for item in items()]


# -- roles -----------------------------------------------------------------------------------

def connect(host, port):
    sock = socket.create_connection((host, int(port)), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def send(host, port, codec):
    sock = connect(host, port)
    for payload in payloads(codec):
        sock.sendall(frame(payload))
    sock.shutdown(socket.SHUT_WR)
    # Wait for the other side to close, so every byte is read before this process goes.
    while sock.recv(65536):
        pass
    print("sent %d" % len(payloads(codec)))


def receive(host, port, codec):
    sock = connect(host, port)
    expected = payloads(codec)
    got = 0
    while True:
        result = read_frame(sock)
        if result is None:
            break
        head, payload = result
        if got >= len(expected):
            print("extra frame %d" % got)
            sys.exit(1)
        if head != header(len(payload)):
            print("frame %d: header %s is not the shortest for %d bytes" % (got, head.hex(), len(payload)))
            sys.exit(1)
        if payload != expected[got]:
            print("frame %d: payload differs: got %s, expected %s" % (got, payload[:64].hex(), expected[got][:64].hex()))
            sys.exit(1)
        got += 1
        if got == len(expected):
            break
    if got != len(expected):
        print("got %d of %d frames" % (got, len(expected)))
        sys.exit(1)
    print("ok %d" % got)


def oversize(host, port):
    sock = connect(host, port)
    sock.sendall(header(MAX_FRAME + 1) + b"\x00" * 1024)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    print("closed")


def barrier(host, port):
    sock = connect(host, port)
    data = read_exact(sock, 2)
    if data != b"\x01\x00":
        print("expected 0100, got %r" % data)
        sys.exit(1)
    print("released")


def hold(host, port):
    sock = connect(host, port)
    sizes = payloads("raw")
    sock.sendall(frame(sizes[0]))
    print("holding", flush=True)
    sys.stdin.readline()
    for payload in sizes[1:]:
        sock.sendall(frame(payload))
    sock.shutdown(socket.SHUT_WR)
    while sock.recv(65536):
        pass
    print("sent %d" % len(sizes))


def main(argv):
    role = argv[1]
    if role == "send":
        send(argv[2], argv[3], argv[4])
    elif role == "receive":
        receive(argv[2], argv[3], argv[4])
    elif role == "oversize":
        oversize(argv[2], argv[3])
    elif role == "barrier":
        barrier(argv[2], argv[3])
    elif role == "hold":
        hold(argv[2], argv[3])
    else:
        print("unknown role " + role)
        sys.exit(2)
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv)
