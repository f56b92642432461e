from django.urls import path

from reunite.tracing import views

app_name = "tracing"
urlpatterns = [
    path("matches/", views.match_list, name="matches"),
    path("matches/<uuid:public_id>/", views.match_detail, name="match"),
    path("matches/<uuid:public_id>/review/", views.match_review, name="match_review"),
    path("notifications/", views.notification_list, name="notifications"),
]
