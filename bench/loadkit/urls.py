"""The portal's URLs plus two baselines of the same table: a bare 50-row ListView, alone and inside the layout."""

from django.urls import path
from django.views.generic import ListView

from applications.models import Application
from huzhou_craftsman.urls import urlpatterns as portal_urlpatterns


class BareList(ListView):
    """Django's generic list view of the applications table, 50 rows a page (it counts the table, as Paginator does)."""

    queryset = Application.objects.order_by("-pk").only("number", "scheme", "level", "state", "submitted_at")
    paginate_by = 50
    template_name = "bench/bare_list.html"


urlpatterns = [
    path("bench/bare/", BareList.as_view(), name="bench-bare"),
    path("bench/bare-in-layout/", BareList.as_view(template_name="bench/bare_list_in_layout.html")),
    *portal_urlpatterns,
]
