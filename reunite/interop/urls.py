from django.urls import path

from reunite.interop import views

app_name = "interop"
urlpatterns = [
    path("imports/", views.import_list, name="imports"),
    path("imports/<uuid:public_id>/", views.import_detail, name="import"),
    path("imports/<uuid:public_id>/progress/", views.import_progress, name="import_progress"),
    path("imports/<uuid:public_id>/rejected.csv", views.import_rejected, name="import_rejected"),
    path("imports/<uuid:public_id>/resume/", views.import_resume, name="import_resume"),
    path("exports/people/", views.export_people, name="export_people"),
    path("imports/pfif/", views.pfif_import, name="pfif_import"),
    path("exports/pfif/", views.pfif_export, name="pfif_export"),
    path("exports/requests/", views.export_requests, name="export_requests"),
    path("exports/requests/<uuid:public_id>/", views.export_request, name="export_request"),
    path(
        "exports/requests/<uuid:public_id>/approve/",
        views.export_request_approve,
        name="export_request_approve",
    ),
    path(
        "exports/requests/<uuid:public_id>/refuse/",
        views.export_request_refuse,
        name="export_request_refuse",
    ),
    path(
        "exports/requests/<uuid:public_id>/download/",
        views.export_request_download,
        name="export_request_download",
    ),
]
