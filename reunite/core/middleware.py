"""Response headers that keep client data out of caches."""


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
