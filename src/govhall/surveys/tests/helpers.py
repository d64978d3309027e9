"""Survey and vote test helpers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from govhall.identity.models import User
from govhall.surveys import builder, services, vote_services
from govhall.surveys.models import Survey, Vote

QUESTIONS = """
[单选] 您对政务服务中心的办事效率满意吗？
- 满意
- 基本满意
- 不满意
[多选2] 您希望增加哪些网上办理事项？
- 社保
- 公积金
- 不动产
[评分] 请为窗口服务态度打分
[填空] 其他意见和建议（选填）
"""

PROJECTS = [(f"民生项目{i:02d}", f"项目{i}简介") for i in range(1, 17)]


def verified(user: User, level: int = 2) -> User:
    User.objects.filter(pk=user.pk).update(real_name_level=level)
    user.refresh_from_db()
    return user


def open_survey(author: Any, department: Any, *, anonymous: bool = False, days: int = 7) -> Survey:
    now = timezone.now()
    survey = services.create_survey(
        actor=author,
        department=department,
        title="政务服务满意度调查",
        questions=builder.parse(QUESTIONS),
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=days),
        allow_anonymous=anonymous,
    )
    survey.status = "published"
    survey.published_at = now
    survey.save(update_fields=["status", "published_at"])
    return survey


def answers_for(
    survey: Survey, *, single: int = 0, multiple: tuple[int, ...] = (0,), rating: int = 4
) -> dict[int, Any]:
    q = list(survey.questions.order_by("position"))
    c0 = list(q[0].choices.order_by("position"))
    c1 = list(q[1].choices.order_by("position"))
    return {
        q[0].pk: str(c0[single].pk),
        q[1].pk: [str(c1[i].pk) for i in multiple],
        q[2].pk: str(rating),
        q[3].pk: "",
    }


def open_vote(author: Any, department: Any, *, allow_change: bool = False, max_choices: int = 10) -> Vote:
    now = timezone.now()
    vote = vote_services.create_vote(
        actor=author,
        department=department,
        title="2027年市十大民生实事项目票决",
        candidates=PROJECTS,
        max_choices=max_choices,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        allow_change=allow_change,
    )
    return vote_services.publish_vote(actor=_head_of(department) or author, vote=vote)


def _head_of(department: Any) -> User | None:
    return User.objects.filter(memberships__department=department, memberships__role="approver").first()


def close(item: Survey | Vote) -> None:
    type(item).objects.filter(pk=item.pk).update(
        opens_at=timezone.now() - timedelta(days=8), closes_at=timezone.now() - timedelta(minutes=1)
    )
    item.refresh_from_db()


def candidate_ids(vote: Vote, n: int) -> list[int]:
    return list(vote.candidates.order_by("position").values_list("pk", flat=True)[:n])
