"""Response headers that keep client data out of caches; only known HTTP methods pass."""

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
