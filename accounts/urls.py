from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("account/token/", views.api_token, name="api_token"),
    path("account/signin/", views.signin_inline, name="signin_inline"),
]
