from django.urls import path

from reunite.cases import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/overdue/", views.overdue, name="overdue"),
    path("cases/new/", views.case_new, name="new"),
    path("cases/from-match/<uuid:public_id>/", views.open_from_match, name="open_from_match"),
    path("cases/<uuid:public_id>/", views.case_detail, name="detail"),
    path("cases/<uuid:public_id>/transition/", views.transition, name="transition"),
    path("cases/<uuid:public_id>/assign/", views.assign, name="assign"),
    path("cases/<uuid:public_id>/tasks/", views.task_add, name="task_add"),
    path("cases/<uuid:public_id>/checks/", views.check_add, name="check_add"),
    path("cases/<uuid:public_id>/flags/", views.flag_add, name="flag_add"),
    path("cases/<uuid:public_id>/decisions/", views.decision_add, name="decision_add"),
    path("cases/<uuid:public_id>/outreach/", views.outreach_add, name="outreach_add"),
    path("cases/<uuid:public_id>/documents/", views.document_upload, name="document_upload"),
    path(
        "cases/<uuid:public_id>/disbursements/",
        views.disbursement_request,
        name="disbursement_request",
    ),
    path("cases/tasks/<uuid:public_id>/done/", views.task_done, name="task_done"),
    path("cases/flags/<uuid:public_id>/review/", views.flag_review, name="flag_review"),
    path("cases/decisions/<uuid:public_id>/revoke/", views.decision_revoke, name="decision_revoke"),
    path("cases/documents/<uuid:public_id>/", views.document, name="document"),
]
