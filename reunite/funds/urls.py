from django.urls import path

from reunite.funds import views

app_name = "funds"
urlpatterns = [
    path("funds/", views.overview, name="overview"),
    path("funds/ledger/", views.ledger, name="ledger"),
    path("funds/ledger/new/", views.transaction_new, name="transaction_new"),
    path("funds/ledger/<uuid:public_id>/", views.transaction_detail, name="transaction"),
    path(
        "funds/ledger/<uuid:public_id>/reverse/",
        views.transaction_reverse,
        name="transaction_reverse",
    ),
    path("funds/donors/", views.donors, name="donors"),
    path("funds/donors/new/", views.donor_add, name="donor_add"),
    path("funds/gifts/new/", views.gift_new, name="gift_new"),
    path("funds/gifts/<uuid:public_id>/", views.gift_detail, name="gift"),
    path("funds/gifts/<uuid:public_id>/accept/", views.gift_accept, name="gift_accept"),
    path("funds/gifts/<uuid:public_id>/refuse/", views.gift_refuse, name="gift_refuse"),
    path("funds/gifts/<uuid:public_id>/letter/", views.gift_letter, name="gift_letter"),
    path(
        "funds/gifts/<uuid:public_id>/letter.txt",
        views.gift_letter_download,
        name="gift_letter_download",
    ),
    path("funds/exclusions/", views.exclusions, name="exclusions"),
    path("funds/exclusions/new/", views.exclusion_add, name="exclusion_add"),
    path("funds/exclusions/import/", views.exclusions_import, name="exclusions_import"),
    path("funds/disbursements/", views.disbursements, name="disbursements"),
    path("funds/disbursements/<uuid:public_id>/", views.disbursement_detail, name="disbursement"),
    path(
        "funds/disbursements/<uuid:public_id>/approve/",
        views.disbursement_approve,
        name="disbursement_approve",
    ),
    path(
        "funds/disbursements/<uuid:public_id>/reject/",
        views.disbursement_reject,
        name="disbursement_reject",
    ),
    path(
        "funds/disbursements/<uuid:public_id>/pay/", views.disbursement_pay, name="disbursement_pay"
    ),
    path(
        "funds/disbursements/<uuid:public_id>/refund/",
        views.disbursement_refund,
        name="disbursement_refund",
    ),
    path(
        "funds/disbursements/<uuid:public_id>/forfeit/",
        views.disbursement_forfeit,
        name="disbursement_forfeit",
    ),
]
