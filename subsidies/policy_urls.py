from django.urls import path

from . import calculator_views
from . import policy_views as views

urlpatterns = [
    path("policy/calculator/", calculator_views.policy_calculator, name="policy-calculator"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("dashboard/export.<str:file_format>", views.dashboard_export, name="dashboard-export"),
    path("studios/", views.studio_list, name="studio-list"),
    path("studios/<int:pk>/", views.studio_detail, name="studio-detail"),
    path("studios/<int:pk>/review/", views.studio_review, name="studio-review"),
    path("studios/<int:pk>/exit/", views.studio_exit, name="studio-exit"),
    path("studios/<int:pk>/level/", views.studio_level, name="studio-level"),
]
