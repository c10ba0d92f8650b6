from django.urls import path

from sandbox.faults import views

urlpatterns = [
    path("sandbox-admin/state", views.state),
    path("sandbox-admin/faults", views.faults_set),
    path("sandbox-admin/faults/clear", views.faults_clear),
    path("sandbox-admin/clock", views.clock_set),
    path("sandbox-admin/counters/reset", views.counters_reset),
    path("maintenance/notice.json", views.maintenance_notice, name="maintenance_notice"),
]
