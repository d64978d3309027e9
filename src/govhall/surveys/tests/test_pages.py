"""Survey and vote pages: answering, results with charts, export, the ballot and its messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govhall.surveys import vote_services
from govhall.surveys.models import Ballot, Response
from govhall.surveys.tests.helpers import (
    QUESTIONS,
    answers_for,
    candidate_ids,
    close,
    open_survey,
    open_vote,
    verified,
)

pytestmark = pytest.mark.django_db


def _form(answers: dict[int, Any]) -> dict[str, Any]:
    return {f"q{k}": v for k, v in answers.items()}


def test_answer_page_and_results(client: Client, citizen: Any, clerk: Any, dept_a: Any) -> None:
    survey = open_survey(clerk, dept_a)
    assert "需要登录" in client.get(f"/surveys/{survey.pk}/").content.decode()
    client.force_login(citizen)
    page = client.get(f"/surveys/{survey.pk}/").content.decode()
    assert "提交答卷" in page and "最多2项" in page
    response = client.post(f"/surveys/{survey.pk}/", _form(answers_for(survey)))
    assert response.status_code == 302 and Response.objects.count() == 1
    assert "已填写过" in client.get(f"/surveys/{survey.pk}/").content.decode()
    assert client.get(f"/surveys/{survey.pk}/results/").status_code == 403  # until the close
    assert client.get(f"/surveys/{survey.pk}/export.xlsx").status_code == 403
    close(survey)
    results = client.get(f"/surveys/{survey.pk}/results/").content.decode()
    assert "vendor/echarts/echarts.min.js" in results and "有效答卷 1 份" in results and "人数" in results
    client.force_login(clerk)
    export = client.get(f"/surveys/{survey.pk}/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_invalid_answer_is_shown_on_the_form(client: Client, citizen: Any, clerk: Any, dept_a: Any) -> None:
    survey = open_survey(clerk, dept_a)
    client.force_login(citizen)
    answers = answers_for(survey)
    answers[next(iter(survey.questions.order_by("position"))).pk] = ""
    page = client.post(f"/surveys/{survey.pk}/", _form(answers))
    assert page.status_code == 400 and "请回答第1题" in page.content.decode()


def test_staff_build_a_survey_from_text(
    client: Client, clerk: Any, approver: Any, dept_a: Any, citizen: Any
) -> None:
    client.force_login(citizen)
    assert client.get("/surveys/staff/surveys/new/").status_code == 403
    client.force_login(clerk)
    form = {
        "department": dept_a.pk,
        "title": "窗口服务调查",
        "opens_at": "2026-01-01T09:00",
        "closes_at": "2036-01-01T09:00",
        "questions": QUESTIONS,
        "results_public": "on",
    }
    response = client.post("/surveys/staff/surveys/new/", form)
    assert response.status_code == 302
    bad = client.post("/surveys/staff/surveys/new/", {**form, "questions": "[单选] 只有一项\n- 是"})
    assert "至少需要两个选项" in bad.content.decode()
    assert "窗口服务调查" in client.get("/surveys/staff/").content.decode()


def test_vote_page_messages(client: Client, citizen: Any, clerk: Any, approver: Any, dept_a: Any) -> None:
    vote = open_vote(clerk, dept_a)
    ids = candidate_ids(vote, 10)
    client.force_login(citizen)
    page = client.get(f"/surveys/votes/{vote.pk}/").content.decode()
    assert "实名核验（L2及以上）" in page and "投票结果将于投票截止后公布" in page
    refused = client.post(f"/surveys/votes/{vote.pk}/", {"candidate": ids})
    assert refused.status_code == 403 and not Ballot.objects.exists()
    verified(citizen)
    assert client.post(f"/surveys/votes/{vote.pk}/", {"candidate": ids}).status_code == 302
    again = client.post(f"/surveys/votes/{vote.pk}/", {"candidate": ids})
    assert again.status_code == 409 and "您已投过票，每人只能投一次" in again.content.decode()
    assert Ballot.objects.count() == 1
    assert client.get(f"/surveys/votes/{vote.pk}/results/").status_code == 403
    client.force_login(clerk)
    assert "实时票数" in client.get(f"/surveys/votes/{vote.pk}/results/").content.decode()
    close(vote)
    client.logout()
    results = client.get(f"/surveys/votes/{vote.pk}/results/").content.decode()
    assert "参与投票 1 人" in results and "入选" in results and "得票数" in results


def test_vote_lists(client: Client, clerk: Any, approver: Any, dept_a: Any, citizen: Any) -> None:
    vote = open_vote(clerk, dept_a)
    assert vote.title in client.get("/surveys/votes/").content.decode()
    vote_services.cast_ballot(actor=verified(citizen), vote=vote, candidate_ids=candidate_ids(vote, 3))
    client.force_login(clerk)
    assert vote.title in client.get("/surveys/staff/").content.decode()
