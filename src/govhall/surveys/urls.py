"""Online surveys and public votes, mounted at /surveys/."""

from django.urls import path

from govhall.surveys import views, views_votes

app_name = "surveys"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.answer, name="answer"),
    path("<int:pk>/thanks/", views.thanks, name="thanks"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/export.xlsx", views.export, name="export"),
    path("votes/", views_votes.index, name="votes"),
    path("votes/<int:pk>/", views_votes.ballot, name="vote"),
    path("votes/<int:pk>/results/", views_votes.results, name="vote_results"),
    path("staff/", views.staff, name="staff"),
    path("staff/surveys/new/", views.new_survey, name="new_survey"),
    path("staff/surveys/<int:pk>/<str:op>/", views.survey_action, name="survey_action"),
    path("staff/votes/new/", views_votes.new_vote, name="new_vote"),
    path("staff/votes/<int:pk>/<str:op>/", views_votes.vote_action, name="vote_action"),
]
