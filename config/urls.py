from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("reunite.dashboard.urls")),
    path("", include("reunite.accounts.urls")),
    path("", include("reunite.tracing.urls")),
    path("", include("reunite.cases.urls")),
    path("", include("reunite.funds.urls")),
    path("", include("reunite.interop.urls")),
    path("", include("reunite.reports.urls")),
    path("api/v1/", include("reunite.api.urls")),
    path("", include("reunite.people.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
]

handler404 = "reunite.dashboard.views.not_found"
handler403 = "reunite.dashboard.views.forbidden"
handler500 = "reunite.core.views.server_error"
