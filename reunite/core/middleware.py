"""Response headers that keep client data out of caches; only known HTTP methods pass;
the client's address as seen through a trusted proxy."""

from functools import cache
from ipaddress import ip_address, ip_network

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseNotAllowed


class NoStoreMiddleware:
    """Every dynamic response may show client data: forbid caching it anywhere.

    Static files are served by WhiteNoise before this middleware and keep their own
    long-lived caching headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response


class MethodAllowlistMiddleware:
    """Only the HTTP methods the portal uses reach a view: TRACE, CONNECT and anything
    unknown get a 405 before routing (function views would otherwise answer them like a
    GET). ASVS 13.4.4."""

    ALLOWED = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in self.ALLOWED:
            return HttpResponseNotAllowed(self.ALLOWED)
        return self.get_response(request)


@cache
def proxy_networks(spec: tuple[str, ...]) -> list:
    try:
        return [ip_network(item.strip(), strict=False) for item in spec]
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from None


class TrustedProxyMiddleware:
    """Behind a reverse proxy, the client's address replaces the proxy's in REMOTE_ADDR,
    so that every per-address limit (sign-in, API, uploads) counts each client apart.

    Only a request whose direct peer is one of TRUSTED_PROXIES (addresses or networks) has
    its X-Forwarded-For read; from anyone else the header is ignored, or a client could
    pick its own address. The header is read from the right: each proxy appends the peer
    it saw, so the rightmost address that is not itself a trusted proxy is the client.
    A header that does not parse leaves the proxy's address (all such clients share one
    bucket: the safe way to be wrong). With TRUSTED_PROXIES empty (the default) this does
    nothing. The proxy's own address is kept in META["REUNITE_PROXY_ADDR"]."""

    def __init__(self, get_response):
        self.get_response = get_response
        proxy_networks(tuple(settings.TRUSTED_PROXIES))  # a typo stops the start, loudly

    @staticmethod
    def _trusted(address: str, networks) -> bool:
        try:
            ip = ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in networks)

    def client_address(self, peer: str, forwarded: str) -> str:
        networks = proxy_networks(tuple(settings.TRUSTED_PROXIES))
        if not networks or not forwarded or not self._trusted(peer, networks):
            return peer
        hops = [hop.strip() for hop in forwarded.split(",")]
        for hop in reversed(hops):
            try:
                ip_address(hop)
            except ValueError:
                return peer
            if not self._trusted(hop, networks):
                return hop
        return peer  # every hop a proxy of ours: the request came from inside

    def __call__(self, request):
        peer = request.META.get("REMOTE_ADDR", "")
        client = self.client_address(peer, request.META.get("HTTP_X_FORWARDED_FOR", ""))
        if client != peer:
            request.META["REUNITE_PROXY_ADDR"] = peer
            request.META["REMOTE_ADDR"] = client
        return self.get_response(request)
