"""Where a subscription may send: a URL any server could call, never one that makes this server reach into
its own network (docs/domain-rules.md, alerts: delivery targets).

A webhook or robot URL must be http(s) with a host whose every address — and every IPv4 address an IPv6 one
carries — is public and not multicast, unless the administrator allows a private network
(``WEBHOOK_ALLOWED_NETWORKS``). The check runs when the subscription is saved and again before each send, so
a name that later resolves to an internal address is refused then; the HTTP client resolves the name once
more when it connects, so a DNS server answering differently within that instant is not caught (left alone:
pinning the address would need a transport of our own).
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from inventory.core import settings
from inventory.core.errors import Invalid

MAX_URL = 500


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


#: IPv6 prefixes that carry an IPv4 address in their last 32 bits (IPv4-compatible, NAT64)
IPV4_CARRIERS = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"))


def _with_embedded(address):
    """The address and any IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64, compatible)."""
    yield address
    if address.version == 6:
        for inner in (address.ipv4_mapped, address.sixtofour, address.teredo and address.teredo[1]):
            if inner is not None:
                yield inner
        if any(address in carrier for carrier in IPV4_CARRIERS):
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def check_url(url: str, field: str = "target") -> str:
    """The URL, stripped, if it may be called; else a 422 on ``field`` saying why."""
    url = (url or "").strip()
    if not url:
        raise Invalid.field(field, _l("give the receiver's URL"))
    if len(url) > MAX_URL:
        raise Invalid.field(field, _l("at most %(count)s characters", count=MAX_URL))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid.field(field, _l("an http:// or https:// URL"))
    if parts.username or parts.password:
        raise Invalid.field(field, _l("a URL without a user name or password"))
    addresses = _addresses(parts.hostname)
    if not addresses:
        raise Invalid.field(field, _l("the host %(host)s cannot be resolved", host=parts.hostname))
    allowed = [ipaddress.ip_network(net, strict=False) for net in settings.webhook_allowed_networks()]
    for address in (inner for outer in addresses for inner in _with_embedded(outer)):
        if (not address.is_global or address.is_multicast) and not any(address in net for net in allowed):
            raise Invalid.field(field, _l("%(host)s is a private or local address; an administrator must allow "
                                          "its network first", host=parts.hostname))
    return url
