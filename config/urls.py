from django.urls import include, path
from django.views.i18n import set_language

from reunite.accounts import views as account_views

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
    # Recovery codes are kept hashed and shown once (reunite.accounts.recovery_codes): these
    # two pages take the place of allauth's, at the same addresses and names.
    path(
        "accounts/2fa/recovery-codes/",
        account_views.recovery_codes,
        name="mfa_view_recovery_codes",
    ),
    path(
        "accounts/2fa/recovery-codes/download/",
        account_views.recovery_codes_download,
        name="mfa_download_recovery_codes",
    ),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
]

handler404 = "reunite.dashboard.views.not_found"
handler403 = "reunite.dashboard.views.forbidden"
handler500 = "reunite.core.views.server_error"
