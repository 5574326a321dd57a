"""URLs of reviews, the watch button and publisher statistics; included at the site root.

Names are in the ``engagement`` namespace, e.g. ``engagement:review-edit``.
"""

from django.urls import path

from ..views import engagement as views

app_name = "engagement"

urlpatterns = [
    path("packages/<str:identifier>/reviews/", views.ReviewListView.as_view(), name="review-list"),
    path("packages/<str:identifier>/reviews/edit/", views.review_edit, name="review-edit"),
    path("packages/<str:identifier>/reviews/<int:pk>/reply/", views.review_reply, name="review-reply"),
    path("packages/<str:identifier>/watch/", views.watch_toggle, name="watch-toggle"),
    path("publishers/<slug:slug>/stats/", views.publisher_stats, name="publisher-stats"),
    path("publishers/<slug:slug>/stats.csv", views.publisher_stats_csv, name="publisher-stats-csv"),
]
