from django.urls import path

from chartivo.charts import editing, exports, mismatch, pages, reconciliation, views

urlpatterns = [
    path("", views.home, name="home"),
    path("charts/new/", views.new_chart, name="new_chart"),
    path("charts/preview.json", views.preview, name="chart_preview"),
    path("definitions/", views.definitions, name="definitions"),
    path("definitions/stripe-dashboard/", mismatch.mismatch, name="definitions_mismatch"),
    path("reconciliation/", reconciliation.reconciliation, name="reconciliation"),
    path("charts/order/", editing.charts_order, name="charts_order"),
    path("export/headlines.csv", exports.headlines_csv, name="headlines_csv"),
    path("charts/<int:chart_id>/", pages.chart_detail, name="chart_detail"),
    path("charts/<int:chart_id>/data.json", pages.chart_data_json, name="chart_data"),
    path("charts/<int:chart_id>/figures/", pages.chart_figures, name="chart_figures"),
    path("charts/<int:chart_id>/export.csv", pages.chart_csv, name="chart_csv"),
    path("charts/<int:chart_id>/export.png", exports.chart_png, name="chart_png"),
    path("charts/<int:chart_id>/export.svg", exports.chart_svg, name="chart_svg"),
    path("charts/<int:chart_id>/edit/", editing.chart_edit, name="chart_edit"),
    path("charts/<int:chart_id>/save-view/", editing.chart_save_view, name="chart_save_view"),
    path("charts/<int:chart_id>/duplicate/", editing.chart_duplicate, name="chart_duplicate"),
    path("charts/<int:chart_id>/delete/", editing.chart_delete, name="chart_delete"),
    path("charts/<int:chart_id>/restore/", editing.chart_restore, name="chart_restore"),
    path("charts/<int:chart_id>/move/", editing.chart_move, name="chart_move"),
    path("charts/<int:chart_id>/width/", editing.chart_width, name="chart_width"),
]
