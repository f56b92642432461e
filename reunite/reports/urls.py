from django.urls import path

from reunite.reports import views

app_name = "reports"
urlpatterns = [
    path("reports/court/", views.court_report, name="court"),
    path("reports/court/csv/", views.court_report_csv, name="court_csv"),
    path("reports/court/pdf/", views.court_report_pdf, name="court_pdf"),
    path("reports/court/cases/", views.court_report_cases, name="court_cases"),
]
