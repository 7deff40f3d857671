from django.contrib.auth import views as auth_views
from django.urls import path

from chartivo.accounts import email_views, views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/", email_views.signup_confirm, name="signup_confirm"),
    path("login/", views.log_in, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("password/done/", views.password_change_done, name="password_change_done"),
    path("password/reset/", email_views.password_reset, name="password_reset"),
    path("password/reset/sent/", email_views.password_reset_sent, name="password_reset_sent"),
    path("reset/", email_views.password_reset_link, name="password_reset_link"),
    path("reset/password/", email_views.password_reset_set, name="password_reset_set"),
]
