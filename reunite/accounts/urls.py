from django.urls import path

from reunite.accounts import views

app_name = "accounts"
urlpatterns = [
    path("members/", views.member_list, name="members"),
    path("members/<uuid:public_id>/", views.member_detail, name="member"),
    path("members/<uuid:public_id>/role/", views.member_change_role, name="member_role"),
    path("members/<uuid:public_id>/verify/", views.member_verify, name="member_verify"),
    path("members/<uuid:public_id>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path(
        "members/<uuid:public_id>/credentials/", views.member_credentials, name="member_credentials"
    ),
    path(
        "members/<uuid:public_id>/second-factors/reset/",
        views.member_factors_reset,
        name="member_factors_reset",
    ),
    path("account/sessions/", views.session_list, name="sessions"),
    path("invitations/<uuid:public_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("organisation/switch/", views.switch_organization, name="switch"),
]
