"""URLs of the public notice (公示) pages."""

urlpatterns: list = []
