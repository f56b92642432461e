from django.urls import path

from reunite.people import views

app_name = "people"
urlpatterns = [
    path("people/", views.person_list, name="list"),
    path("people/new/parent/", views.intake_parent, name="new_parent"),
    path("people/new/child/", views.intake_child, name="new_child"),
    path("people/<uuid:public_id>/", views.person_detail, name="detail"),
    path("people/<uuid:public_id>/history/", views.person_history, name="history"),
    path("people/<uuid:public_id>/edit/", views.person_edit, name="edit"),
    path("people/<uuid:public_id>/names/", views.name_add, name="name_add"),
    path("people/<uuid:public_id>/identifiers/", views.identifier_add, name="identifier_add"),
    path("people/<uuid:public_id>/custody/", views.custody_add, name="custody_add"),
    path("people/<uuid:public_id>/contacts/", views.contact_add, name="contact_add"),
    path("people/<uuid:public_id>/consents/", views.consent_add, name="consent_add"),
    path(
        "people/<uuid:public_id>/consents/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("people/<uuid:public_id>/links/verify/", views.link_verify, name="link_verify"),
    path("people/<uuid:public_id>/shares/", views.share_grant, name="share_grant"),
    path("people/<uuid:public_id>/shares/revoke/", views.share_revoke, name="share_revoke"),
    path("people/<uuid:public_id>/delete/", views.person_delete, name="delete"),
    path("people/<uuid:public_id>/restore/", views.person_restore, name="restore"),
]
