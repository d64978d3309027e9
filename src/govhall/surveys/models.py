"""Online surveys (网上调查/意见征集) and public votes on candidate projects (民生实事票决).

A survey is built by a department's staff from questions (single choice, multiple choice, text,
rating), published with open and close moments and answered once per person (or anonymously when
the survey allows it). A vote lists candidates and how many each voter chooses; only people
verified to real-name level L2 vote, one ballot each (a unique constraint on (vote, voter)),
changeable until the close when the vote allows it; the tally is public only after the close.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from govhall.identity.models import Department


class Status(models.TextChoices):
    DRAFT = "draft", "草稿 draft"
    PUBLISHED = "published", "已发布 published"
    WITHDRAWN = "withdrawn", "已撤销 withdrawn"


class Survey(models.Model):
    title = models.CharField("调查标题 title", max_length=120)
    description = models.TextField("调查说明 description", blank=True)
    department = models.ForeignKey(
        Department, verbose_name="发起部门 department", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人 created by", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态 status", max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField("开始时间 opens at")
    closes_at = models.DateTimeField("截止时间 closes at")
    allow_anonymous = models.BooleanField("允许匿名填写 anonymous answers allowed", default=False)
    results_public = models.BooleanField("截止后公开结果 results public after close", default=True)
    created_at = models.DateTimeField("创建时间 created at", default=timezone.now)
    published_at = models.DateTimeField("发布时间 published at", null=True, blank=True)

    class Meta:
        verbose_name = "网上调查 survey"
        verbose_name_plural = "网上调查 surveys"
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="survey_closes_after_opening"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_open_at(self, moment: object = None) -> bool:
        now = moment or timezone.now()
        return self.status == Status.PUBLISHED and self.opens_at <= now < self.closes_at  # type: ignore[operator]

    @property
    def is_open(self) -> bool:
        return self.is_open_at()

    @property
    def is_closed(self) -> bool:
        return timezone.now() >= self.closes_at


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "单选题 single choice"
        MULTIPLE = "multiple", "多选题 multiple choice"
        TEXT = "text", "填空题 text"
        RATING = "rating", "评分题 rating"

    survey = models.ForeignKey(
        Survey, verbose_name="调查 survey", on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField("序号 position")
    kind = models.CharField("题型 kind", max_length=10, choices=Kind.choices)
    text = models.CharField("题目 question", max_length=300)
    required = models.BooleanField("必答 required", default=True)
    max_choices = models.PositiveSmallIntegerField("最多选择 max choices", default=0, help_text="0 表示不限")
    rating_max = models.PositiveSmallIntegerField("评分上限 rating scale", default=5)

    class Meta:
        verbose_name = "调查题目 question"
        verbose_name_plural = "调查题目 questions"
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="survey_question_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class Choice(models.Model):
    question = models.ForeignKey(
        Question, verbose_name="题目 question", on_delete=models.CASCADE, related_name="choices"
    )
    position = models.PositiveSmallIntegerField("序号 position")
    text = models.CharField("选项 choice", max_length=200)

    class Meta:
        verbose_name = "选项 choice"
        verbose_name_plural = "选项 choices"
        ordering = ["question", "position"]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name="调查 survey", on_delete=models.CASCADE, related_name="responses"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填写人 respondent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间 submitted at", default=timezone.now)
    idempotency_key = models.CharField("幂等键 idempotency key", max_length=64, blank=True)

    class Meta:
        verbose_name = "答卷 response"
        verbose_name_plural = "答卷 responses"
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent"],
                condition=models.Q(respondent__isnull=False),
                name="survey_one_response_per_person",
            ),
            models.UniqueConstraint(
                fields=["survey", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="survey_response_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}#{self.pk}"


class Answer(models.Model):
    """One answer: a chosen option (one row per option of a multiple choice), a text or a rating."""

    response = models.ForeignKey(
        Response, verbose_name="答卷 response", on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name="题目 question", on_delete=models.CASCADE, related_name="answers"
    )
    choice = models.ForeignKey(
        Choice,
        verbose_name="选项 choice",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answers",
    )
    text = models.TextField("文字回答 text", blank=True)
    rating = models.PositiveSmallIntegerField("评分 rating", null=True, blank=True)

    class Meta:
        verbose_name = "回答 answer"
        verbose_name_plural = "回答 answers"
        indexes = [models.Index(fields=["question", "choice"], name="survey_answer_tally")]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}"


class Vote(models.Model):
    title = models.CharField("投票标题 title", max_length=120)
    description = models.TextField("投票说明 description", blank=True)
    department = models.ForeignKey(
        Department, verbose_name="发起部门 department", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人 created by", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态 status", max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField("开始时间 opens at")
    closes_at = models.DateTimeField("截止时间 closes at")
    max_choices = models.PositiveSmallIntegerField("每人最多选择 choices per voter")
    min_choices = models.PositiveSmallIntegerField("每人至少选择 minimum choices", default=1)
    allow_change = models.BooleanField("截止前可改票 ballots changeable until close", default=False)
    created_at = models.DateTimeField("创建时间 created at", default=timezone.now)
    published_at = models.DateTimeField("发布时间 published at", null=True, blank=True)

    class Meta:
        verbose_name = "民生投票 public vote"
        verbose_name_plural = "民生投票 public votes"
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="vote_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=models.Q(min_choices__gte=1, max_choices__gte=models.F("min_choices")),
                name="vote_choice_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open_at(self, moment: object = None) -> bool:
        now = moment or timezone.now()
        return self.status == Status.PUBLISHED and self.opens_at <= now < self.closes_at  # type: ignore[operator]

    @property
    def is_open(self) -> bool:
        return self.is_open_at()

    @property
    def is_closed(self) -> bool:
        return timezone.now() >= self.closes_at


class Candidate(models.Model):
    vote = models.ForeignKey(
        Vote, verbose_name="投票 vote", on_delete=models.CASCADE, related_name="candidates"
    )
    position = models.PositiveSmallIntegerField("序号 position")
    name = models.CharField("候选项目 name", max_length=120)
    description = models.TextField("项目简介 description", blank=True)

    class Meta:
        verbose_name = "候选项目 candidate"
        verbose_name_plural = "候选项目 candidates"
        ordering = ["vote", "position"]
        constraints = [models.UniqueConstraint(fields=["vote", "position"], name="vote_candidate_position")]

    def __str__(self) -> str:
        return self.name


class Ballot(models.Model):
    vote = models.ForeignKey(Vote, verbose_name="投票 vote", on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="投票人 voter", on_delete=models.PROTECT, related_name="+"
    )
    cast_at = models.DateTimeField("投票时间 cast at")
    changed_at = models.DateTimeField("改票时间 changed at", null=True, blank=True)
    changes = models.PositiveSmallIntegerField("改票次数 changes", default=0)

    class Meta:
        verbose_name = "选票 ballot"
        verbose_name_plural = "选票 ballots"
        constraints = [models.UniqueConstraint(fields=["vote", "voter"], name="vote_one_ballot_per_voter")]

    def __str__(self) -> str:
        return f"{self.vote_id}:{self.voter_id}"


class BallotChoice(models.Model):
    ballot = models.ForeignKey(
        Ballot, verbose_name="选票 ballot", on_delete=models.CASCADE, related_name="choices"
    )
    candidate = models.ForeignKey(
        Candidate, verbose_name="候选项目 candidate", on_delete=models.PROTECT, related_name="ballot_choices"
    )

    class Meta:
        verbose_name = "选票选择 ballot choice"
        verbose_name_plural = "选票选择 ballot choices"
        constraints = [
            models.UniqueConstraint(fields=["ballot", "candidate"], name="vote_ballot_candidate_once")
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.candidate_id}"
