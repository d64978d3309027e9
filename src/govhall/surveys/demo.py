"""Demo surveys and votes: a running satisfaction survey, a closed one with public results, the
Zhejiang-style票决 of ten livelihood projects out of sixteen (one running, last year's closed).

Surveys and votes are keyed by department and title; answers and ballots go through the services
(one per person), so a second run creates nothing. The demo citizen's own account is left to
answer and vote by hand.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from govhall.identity.models import Department, Role, User
from govhall.surveys import builder, services, vote_services
from govhall.surveys.models import Question, Response, Status, Survey, Vote

OFFICE = "ZWFW"
SATISFACTION = """
[单选] 您最近一次办事的渠道是？
- 网上办理（电脑）
- 手机“粤省事”
- 政务服务中心窗口
- 镇街便民服务中心
[单选] 您对办事效率是否满意？
- 非常满意
- 满意
- 基本满意
- 不满意
[多选3] 您最希望改进的方面（最多选3项）
- 减少提交材料
- 缩短办理时限
- 更多事项网上办
- 延长窗口服务时间
- 办事指南更清楚
- 减少跑动次数
[评分] 请为窗口工作人员的服务态度打分
[填空] 其他意见和建议（选填）
"""
HOTLINE = """
[单选] 您是否拨打过12345政务服务便民热线？
- 拨打过
- 没有拨打过
[评分] 您对热线接通速度的评价
[多选] 您通过哪些渠道了解政务服务信息？
- 政府网站
- 微信公众号
- 电视广播
- 亲友介绍
[填空] 对热线服务的建议（选填）
"""
SUGGESTIONS = [
    "希望周末也能办理社保业务",
    "网上办事指南写得更通俗一些",
    "材料能共享的就不要再交了",
    "窗口人员态度很好",
]

PROJECTS = [
    ("城乡居民医保财政补助提标", "城乡居民医保人均财政补助标准提高30元。"),
    ("新建改扩建公办幼儿园10所", "新增公办学位2700个，公办园在园幼儿占比达到55%。"),
    ("老旧小区改造30个", "改造水电气管网、加装电梯、整治停车和绿化。"),
    ("农村饮用水提质工程", "新建改造农村集中供水工程，惠及12万农村人口。"),
    ("城区新增公共停车泊位3000个", "利用边角地和地下空间建设公共停车场。"),
    ("居家养老服务中心镇街全覆盖", "每个镇（街）建成一个综合养老服务中心。"),
    ("中小学校食堂“明厨亮灶”", "全市中小学食堂实现后厨视频公开。"),
    ("新能源公交车更新200辆", "优化公交线路，开通高铁站直达线。"),
    ("城乡公厕改造提升100座", "改造旅游景区、农贸市场和村居公厕。"),
    ("农贸市场升级改造20家", "改善排水、通风和食品安全快检条件。"),
    ("困难群众医疗救助扩面", "低收入人口政策范围内自付费用救助比例提高。"),
    ("全民健身步道与口袋公园", "建设健身步道50公里、口袋公园30个。"),
    ("残疾人康复服务“愿康尽康”", "为有需求的持证残疾人提供基本康复服务。"),
    ("城区内涝积水点整治", "整治城区易涝积水点25处。"),
    ("婴幼儿照护托位新增1000个", "发展普惠托育，每千人口托位数达到4个。"),
    ("政务服务“一网通办”延伸到村（社区）", "高频事项在村（社区）便民服务站就近可办。"),
]
# How popular each project is among the demo voters (weights for drawing their ten choices).
POPULARITY = [9, 8, 9, 6, 7, 8, 5, 4, 3, 5, 7, 4, 3, 6, 5, 4]


class Writer(Protocol):
    def write(self, msg: str = "", *args: Any, **kwargs: Any) -> None: ...


def _staff(department: Department, roles: tuple[str, ...]) -> User | None:
    return (
        User.objects.filter(memberships__department=department, memberships__role__in=roles, is_active=True)
        .order_by("username")
        .first()
    )


def _people(limit: int) -> list[User]:
    return list(
        User.objects.filter(
            kind=User.Kind.CITIZEN,
            is_active=True,
            username__startswith="yf-c-",
            real_name_level__gte=User.RealNameLevel.L2,
        ).order_by("username")[:limit]
    )


def _survey(
    department: Department, author: User, title: str, text: str, opens: datetime, closes: datetime
) -> tuple[Survey, bool]:
    existing = Survey.objects.filter(department=department, title=title).first()
    if existing is not None:
        return existing, False
    survey = services.create_survey(
        actor=author,
        department=department,
        title=title,
        description="为进一步提升政务服务水平，诚邀您参与本次调查，约需2分钟。",
        questions=builder.parse(text),
        opens_at=opens,
        closes_at=closes,
        allow_anonymous=True,
    )
    # Published as of its opening (publishing checks that the close lies ahead, true at that moment).
    Survey.objects.filter(pk=survey.pk).update(status=Status.PUBLISHED, published_at=opens)
    survey.refresh_from_db()
    return survey, True


def _answers(rng: random.Random, survey: Survey) -> dict[int, Any]:
    answers: dict[int, Any] = {}
    for question in survey.questions.prefetch_related("choices"):
        choices = list(question.choices.all())
        if question.kind == Question.Kind.SINGLE:
            weights = [5, 4, 2, 1, 1, 1][: len(choices)]
            answers[question.pk] = str(rng.choices(choices, weights=weights)[0].pk)
        elif question.kind == Question.Kind.MULTIPLE:
            k = rng.randint(1, question.max_choices or len(choices))
            answers[question.pk] = [str(c.pk) for c in rng.sample(choices, k)]
        elif question.kind == Question.Kind.RATING:
            answers[question.pk] = str(
                rng.choices(range(1, question.rating_max + 1), weights=[1, 1, 3, 6, 8])[0]
            )
        else:
            answers[question.pk] = rng.choice(SUGGESTIONS) if rng.random() < 0.3 else ""
    return answers


def _respond(rng: random.Random, survey: Survey, people: list[User], at: datetime) -> int:
    made = 0
    for person in people:
        if Response.objects.filter(survey=survey, respondent=person).exists():
            continue
        services.submit_response(actor=person, survey=survey, answers=_answers(rng, survey), at=at)
        made += 1
    return made


def _vote(
    department: Department, author: User, title: str, opens: datetime, closes: datetime
) -> tuple[Vote, bool]:
    existing = Vote.objects.filter(department=department, title=title).first()
    if existing is not None:
        return existing, False
    vote = vote_services.create_vote(
        actor=author,
        department=department,
        title=title,
        description="由群众票决民生实事：从16个候选项目中选出10个，列入年度政府工作报告并由市人大代表监督实施。"
        "每人选10项，仅限完成实名核验的个人用户参加，每人一票。",
        candidates=PROJECTS,
        min_choices=10,
        max_choices=10,
        opens_at=opens,
        closes_at=closes,
    )
    Vote.objects.filter(pk=vote.pk).update(status=Status.PUBLISHED, published_at=opens)
    vote.refresh_from_db()
    return vote, True


def _ballots(rng: random.Random, vote: Vote, people: list[User], at: datetime) -> int:
    candidates = list(vote.candidates.order_by("position"))
    made = 0
    for person in people:
        if vote.ballots.filter(voter=person).exists():
            continue
        pool = list(zip(candidates, POPULARITY, strict=True))
        chosen: list[int] = []
        while len(chosen) < 10:
            pick = rng.choices(pool, weights=[w for _, w in pool])[0]
            pool.remove(pick)
            chosen.append(pick[0].pk)
        vote_services.cast_ballot(actor=person, vote=vote, candidate_ids=chosen, at=at)
        made += 1
    return made


def seed(stdout: Writer, rng: random.Random) -> dict[str, int]:
    """Create the demo city's surveys, votes, answers and ballots that are missing."""
    office = Department.objects.filter(code=OFFICE, is_active=True).first()
    author = _staff(office, (Role.WINDOW_CLERK,)) if office else None
    if office is None or author is None:
        stdout.write("  surveys: no staffed service centre yet (seed identity first)")
        return {}
    now = timezone.now()
    people = _people(120)
    created = {"surveys": 0, "answers": 0, "votes": 0, "ballots": 0}
    with transaction.atomic():
        running, made = _survey(
            office,
            author,
            f"{now.year}年度政务服务满意度调查",
            SATISFACTION,
            now - timedelta(days=10),
            now + timedelta(days=20),
        )
        created["surveys"] += made
        created["answers"] += _respond(rng, running, people[:45], now - timedelta(days=2))
        closed, made = _survey(
            office,
            author,
            "12345热线服务意见征集",
            HOTLINE,
            now - timedelta(days=40),
            now - timedelta(days=5),
        )
        created["surveys"] += made
        created["answers"] += _respond(rng, closed, people[45:80], now - timedelta(days=20))
        year = now.year
        current, made = _vote(
            office,
            author,
            f"{year + 1}年云浮市十件民生实事候选项目票决",
            now - timedelta(days=3),
            now + timedelta(days=11),
        )
        created["votes"] += made
        created["ballots"] += _ballots(rng, current, people[:60], now - timedelta(days=1))
        last, made = _vote(
            office,
            author,
            f"{year}年云浮市十件民生实事候选项目票决",
            now - timedelta(days=330),
            now - timedelta(days=316),
        )
        created["votes"] += made
        created["ballots"] += _ballots(rng, last, people[:110], now - timedelta(days=320))
    created = {k: v for k, v in created.items() if v}
    stdout.write("  surveys: " + (", ".join(f"{n} {what}" for what, n in created.items()) or "nothing new"))
    return created
