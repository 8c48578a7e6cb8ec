from django.urls import path

from . import auth_views

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password-change"),
    path("2fa/setup/", auth_views.two_factor_setup, name="2fa-setup"),
    path("2fa/verify/", auth_views.two_factor_verify, name="2fa-verify"),
]
