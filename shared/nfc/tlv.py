"""BER-TLV as used by the ICAO 9303 LDS (ISO/IEC 7816-4 tags, definite lengths only)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.nfc.errors import MalformedFile, TruncatedFile

MAX_LENGTH_BYTES = 4


@dataclass(frozen=True)
class Tlv:
    tag: int
    constructed: bool
    value: bytes
    raw: bytes  # the whole TLV (tag + length + value), which is what the SOD hashes

    def children(self) -> list[Tlv]:
        if not self.constructed:
            raise MalformedFile(f"tag {self.tag:X} is primitive, it has no children")
        return parse_all(self.value)

    def find(self, tag: int) -> Tlv | None:
        for child in self.children():
            if child.tag == tag:
                return child
        return None

    def require(self, tag: int) -> Tlv:
        found = self.find(tag)
        if found is None:
            raise MalformedFile(f"tag {tag:X} missing inside {self.tag:X}")
        return found


def _read_tag(data: bytes, pos: int) -> tuple[int, bool, int]:
    if pos >= len(data):
        raise TruncatedFile("data ends where a tag was expected")
    first = data[pos]
    constructed = bool(first & 0x20)
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        for _ in range(3):
            if pos >= len(data):
                raise TruncatedFile("data ends inside a multi-byte tag")
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
        else:
            raise MalformedFile("tag longer than 4 bytes")
    return tag, constructed, pos


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise TruncatedFile("data ends where a length was expected")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    n = first & 0x7F
    if n == 0:
        raise MalformedFile("indefinite length is not allowed in the LDS")
    if n > MAX_LENGTH_BYTES:
        raise MalformedFile(f"length field of {n} bytes is not plausible")
    if pos + n > len(data):
        raise TruncatedFile("data ends inside a length field")
    return int.from_bytes(data[pos : pos + n], "big"), pos + n


def parse_one(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    """Parse the TLV starting at `pos`; return it and the position after it."""
    start = pos
    tag, constructed, pos = _read_tag(data, pos)
    length, pos = _read_length(data, pos)
    end = pos + length
    if end > len(data):
        raise TruncatedFile(
            f"tag {tag:X} announces {length} bytes but only {len(data) - pos} remain"
        )
    return Tlv(tag, constructed, bytes(data[pos:end]), bytes(data[start:end])), end


def parse_all(data: bytes) -> list[Tlv]:
    items: list[Tlv] = []
    pos = 0
    while pos < len(data):
        item, pos = parse_one(data, pos)
        items.append(item)
    return items


def parse_file(data: bytes, expected_tag: int | None = None) -> Tlv:
    """Parse a whole elementary file: one outer TLV, optionally followed by padding only."""
    if not data:
        raise TruncatedFile("empty file")
    item, end = parse_one(data, 0)
    rest = data[end:]
    if rest.strip(b"\x00\xff"):
        raise MalformedFile(f"{len(rest)} unexpected bytes after the outer TLV")
    if expected_tag is not None and item.tag != expected_tag:
        raise MalformedFile(f"outer tag is {item.tag:X}, expected {expected_tag:X}")
    return item


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, value: bytes) -> bytes:
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    return tag_bytes + encode_length(len(value)) + value
