"""URLs of the money side: awards and, later, documents and payments."""

urlpatterns: list = []
