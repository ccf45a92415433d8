"""Chinese first: the interface is in Chinese unless the reader picked another language.

Django's LocaleMiddleware would otherwise follow the browser's Accept-Language header, and
many intranet browsers are installed in English. The language switcher sets the cookie
that LocaleMiddleware reads, so a reader who wants English still gets it.
"""


class IgnoreBrowserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
