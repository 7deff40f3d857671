from django.urls import path

from chartivo.charts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("charts/new/", views.new_chart, name="new_chart"),
    path("charts/preview.json", views.preview, name="chart_preview"),
    path("charts/<int:chart_id>/", views.chart_detail, name="chart_detail"),
    path("charts/<int:chart_id>/data.json", views.chart_data_json, name="chart_data"),
    path("charts/<int:chart_id>/export.csv", views.chart_csv, name="chart_csv"),
    path("charts/<int:chart_id>/delete/", views.chart_delete, name="chart_delete"),
]
