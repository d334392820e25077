"""IP addresses: dotted-quad IPv4 and IPv6 in the global unicast range (2000::/3), text form.

Redacted: addresses Python's `ipaddress` calls global (`is_global`), not multicast.
Not redacted: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local, shared (100.64/10),
documentation (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20) and other reserved ranges;
well-known public resolvers (8.8.8.8, 1.1.1.1, ...: not personal, and code keeps its meaning); version
numbers: after `version`, `ver`, `release`, `rev` on the same line or before `version`, `release`; right
after `==`, `>=`, `~=`, `^`; inside a longer dotted or suffixed run (`1.2.3.4.5`, `v1.2.3.4`,
`1.2.3.4-beta`, `pkg-1.2.3.4`); all four octets below 32 (`2.9.9.1`, `25.4.3.1`); octets with leading
zeros (`01.02.03.04`); timestamps and years that parse as IPv6 (`2004::12:34:56`, `in 2008::`).
In `::ffff:1.2.3.4` the IPv4 part is redacted; in CIDR (`2a00:1450::/32`) the address, not the prefix length.
"""

from __future__ import annotations

import ipaddress
import re

from pipeline.redact.findings import IP, Finding, class_table

DIGIT_TABLE = class_table(b"0123456789", b"0")
DIGIT_TABLE = bytes(ord(".") if i == ord(".") else b for i, b in enumerate(DIGIT_TABLE))
HEX_TABLE = class_table(b"0123456789abcdefABCDEF", b"0")
HEX_TABLE = bytes(ord(":") if i == ord(":") else b for i, b in enumerate(HEX_TABLE))

IPV4 = re.compile(rb"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}")
IPV6 = re.compile(rb"[23][0-9A-Fa-f]{3}(?::[0-9A-Fa-f]{0,4}){2,7}")
WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
BEFORE_V4 = WORD_BYTES | frozenset(b".")
VERSION_CONTEXT = re.compile(rb"version|\bver\b|release|\brev\b|revision|(?:[=<>!~]=|[\^~])\Z")
VERSION_AFTER = re.compile(rb"version|release")
TIMESTAMP = re.compile(rb"[0-9]{4}::?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?")  # Erlang's 7-Jan-2004::12:34:56
SMALL_OCTET = 32  # four octets all below this: a version number (a random address: 1 in 4,000)
DOCUMENTATION_V6 = ipaddress.IPv6Network("3fff::/20")  # RFC 9637 (2024), newer than Python's tables

PUBLIC_RESOLVERS = frozenset(
    b"8.8.8.8 8.8.4.4 1.1.1.1 1.0.0.1 9.9.9.9 149.112.112.112 208.67.222.222 208.67.220.220 "
    b"4.2.2.1 4.2.2.2 64.6.64.6 64.6.65.6 2001:4860:4860::8888 2001:4860:4860::8844 2606:4700:4700::1111 "
    b"2606:4700:4700::1001".split()
)


def find_ips(data: bytes, out: list) -> None:
    """Append a Finding for every global IPv4 and IPv6 address in `data`."""
    _find_ipv4(data, out)
    _find_ipv6(data, out)


def _find_ipv4(data: bytes, out: list) -> None:
    shape = data.translate(DIGIT_TABLE).replace(b"000", b"0").replace(b"00", b"0")
    if b"0.0.0.0" not in shape:  # no four dot-separated digit runs anywhere: skip the regex
        return
    size = len(data)
    for match in IPV4.finditer(data):
        start, end = match.span()
        if start > 0 and (data[start - 1] in BEFORE_V4 or (data[start - 1] == 0x2D and data[start - 2] in WORD_BYTES)):
            continue  # inside a word, a dotted run, or a label: `pkg-1.2.3.4`, `util-16.1.17.59`
        if end < size:
            after = data[end]
            if after in WORD_BYTES or (after in b".-+" and end + 1 < size and data[end + 1] in WORD_BYTES):
                continue
        text = match.group(0)
        parts = text.split(b".")
        octets = [int(part) for part in parts]
        if max(octets) > 255 or max(octets) < SMALL_OCTET or any(len(p) > 1 and p[0] == 0x30 for p in parts):
            continue  # not an address, a version or section number (2.9.9.1, 25.4.3.1) or zero-padded
        if text in PUBLIC_RESOLVERS or _version_context(data, start, end):
            continue
        address = ipaddress.IPv4Address(text.decode("ascii"))
        if address.is_global and not address.is_multicast:
            out.append(Finding(start, end, IP, "ipv4"))


def _version_context(data: bytes, start: int, end: int) -> bool:
    """A version word on the same line, up to 48 bytes before the address or after it."""
    line_start = max(data.rfind(b"\n", max(0, start - 48), start) + 1, start - 48, 0)
    if VERSION_CONTEXT.search(data[line_start:start].lower()) is not None:
        return True
    line_end = data.find(b"\n", end, end + 48)
    return VERSION_AFTER.search(data[end : line_end if line_end >= 0 else end + 48].lower()) is not None


def _find_ipv6(data: bytes, out: list) -> None:
    shape = data.translate(HEX_TABLE)
    at = shape.find(b"0000:")  # global unicast addresses start with four hex digits, 2xxx or 3xxx
    size = len(data)
    while at >= 0:
        next_from = at + 1
        if data[at] in b"23" and (at == 0 or (data[at - 1] not in WORD_BYTES and data[at - 1] not in b":.-")):
            match = IPV6.match(data, at)
            if match is not None:
                end = match.end()
                if end < size and (data[end] in WORD_BYTES or data[end] == 0x2E):
                    end = -1
                elif data[end - 1] == 0x3A and data[end - 2] != 0x3A:  # a trailing single ':' is punctuation
                    end -= 1
                if end > 0:
                    next_from = end
                    _check_ipv6(data, at, end, out)
        at = shape.find(b"0000:", next_from)


def _check_ipv6(data: bytes, start: int, end: int, out: list) -> None:
    text = data[start:end]
    if text in PUBLIC_RESOLVERS or TIMESTAMP.fullmatch(text) or sum(1 for g in text.split(b":") if g) < 2:
        return  # a timestamp, or a year before a reStructuredText `::` (`published in 2008::`)
    try:
        address = ipaddress.IPv6Address(text.decode("ascii"))
    except ValueError:
        return
    if address.is_global and not address.is_multicast and address not in DOCUMENTATION_V6:
        out.append(Finding(start, end, IP, "ipv6"))
