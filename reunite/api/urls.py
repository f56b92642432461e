from django.urls import path, re_path

from reunite.api import imports, pages, views

app_name = "api"
urlpatterns = [
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/search/", views.PeopleSearchView.as_view(), name="people_search"),
    path("people/<uuid:public_id>/", views.PersonView.as_view(), name="person"),
    path(
        "people/<uuid:public_id>/identifiers/",
        views.IdentifiersView.as_view(),
        name="person_identifiers",
    ),
    path("people/<uuid:public_id>/custody/", views.CustodyView.as_view(), name="person_custody"),
    path("matches/", views.MatchesView.as_view(), name="matches"),
    path("matches/<uuid:public_id>/", views.MatchView.as_view(), name="match"),
    path("matches/<uuid:public_id>/review/", views.MatchReviewView.as_view(), name="match_review"),
    path("imports/", imports.ImportsView.as_view(), name="imports"),
    path("imports/<uuid:public_id>/", imports.ImportView.as_view(), name="import"),
    # The description of the API is public (it is the open-source code's); no data is.
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", pages.docs, name="docs"),
    # The signed-in user's tokens (portal pages, session and second factor).
    path("tokens/", pages.token_list, name="tokens"),
    path("tokens/new/", pages.token_create, name="token_create"),
    path("tokens/revoke/", pages.token_revoke, name="token_revoke"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
