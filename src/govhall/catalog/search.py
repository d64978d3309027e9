"""Chinese full-text search over the published catalogue.

Publishing a version writes its jieba tokens into :class:`~govhall.catalog.models.SearchTerm` with a
weight per field (name ≫ aliases and the licence it issues > materials > conditions; the whole name
and each whole alias are terms of their own; names also by character bigrams, so a fragment such as
"经营许" finds its item without a substring scan). A query is cut the same way and matched term for
term with equality, which any database answers from the (term, weight, item) index, so SQLite and
PostgreSQL rank identically.

Ranking: the sum of weight × inverse document frequency, scaled by how many query words an item
matched; at equal scores an item one department handles comes before a joint bundle, then the more
used item first. Each distinct item (basic code) is listed once before the same item as implemented
by other departments, so one county-level name does not fill the first page.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jieba
from django.core.cache import cache
from django.db import connection, models

from govhall.catalog.models import ItemVersion, SearchTerm, ServiceItem

jieba.setLogLevel(logging.WARNING)

NAME_WEIGHT = 10
ALIAS_WEIGHT = 6
MATERIAL_WEIGHT = 2
CONDITION_WEIGHT = 1
WHOLE_NAME_WEIGHT = 30
WHOLE_ALIAS_WEIGHT = 15
NAME_BIGRAM_WEIGHT = 3
FRAGMENT_MAX_LENGTH = 6
# A term in more than this share of items ranks nothing (申请, 材料…); it is dropped from the query.
# (Only past COMMON_MIN items: in a small catalogue every term still helps ranking, and costs little.)
COMMON_SHARE = 0.1
COMMON_MIN = 100
STRONG_WEIGHT = ALIAS_WEIGHT
# Ties are broken by joint-ness only where people look: the first pages.
TIE_WINDOW = 60
COUNT_CACHE_KEY = "catalog:search:indexed-count"
COUNT_CACHE_SECONDS = 300
MAX_TERM_LENGTH = 64
MAX_QUERY_LENGTH = 100
MAX_RESULTS = 500

# Words that carry no meaning about which item someone wants ("how do I apply for …").
_STOPWORD_TEXT = """
    的 了 是 在 和 与 及 或 等 我 你 他 她 要 想 去 个 吗 呢 吧 啊 怎么 怎样 如何 哪里 哪儿 什么 需要 可以
    办 办理 一下 手续 流程 请问 咨询 关于 有关 应当 应 须 必须 其 该 本 之 对 为 由 于 从 向 按 将 把 被
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"[\w\u4e00-\u9fff]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_jieba_lock = threading.Lock()
_jieba_ready = False


def _ensure_jieba() -> None:
    global _jieba_ready
    if _jieba_ready:
        return
    with _jieba_lock:
        if not _jieba_ready:
            jieba.initialize()
            _jieba_ready = True


@lru_cache(maxsize=1)
def _to_simplified() -> Any:
    try:
        import opencc

        return opencc.OpenCC("t2s")
    except Exception:  # a missing converter only costs Traditional-Chinese queries their recall
        return None


def normalise(text: str) -> str:
    text = " ".join((text or "").split())[:MAX_QUERY_LENGTH].lower()
    converter = _to_simplified()
    if converter is not None and _HAN.search(text):
        text = str(converter.convert(text))
    return text


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens, lower-cased, without stopwords, punctuation or lone characters."""
    _ensure_jieba()
    tokens: list[str] = []
    for chunk in _WORD.findall((text or "").lower()):
        for token in jieba.cut_for_search(chunk):
            token = token.strip()
            if len(token) < 2 or token in STOPWORDS or len(token) > MAX_TERM_LENGTH:
                continue
            tokens.append(token)
    return tokens


def version_terms(version: ItemVersion, material_names: Iterable[str]) -> dict[str, int]:
    """Each distinct term of a version's searchable text with its summed field weights."""
    weights: dict[str, int] = defaultdict(int)

    def add(tokens: Iterable[str], weight: int) -> None:
        for token in set(tokens):
            weights[token] += weight

    name = version.name.strip().lower()
    add(tokenize(name), NAME_WEIGHT)
    add(bigrams(name), NAME_BIGRAM_WEIGHT)
    if 2 <= len(name) <= MAX_TERM_LENGTH:
        weights[name] += WHOLE_NAME_WEIGHT
    alias_tokens: set[str] = set()
    # People also search for the licence they want ("营业执照"); it reads like an alias of its item.
    licence = [version.result_licence_type] if version.result_licence_type else []
    for alias in [*(version.aliases or []), *licence]:
        alias = str(alias).strip().lower()
        alias_tokens.update(tokenize(alias))
        if 2 <= len(alias) <= MAX_TERM_LENGTH:
            weights[alias] += WHOLE_ALIAS_WEIGHT
    add(alias_tokens, ALIAS_WEIGHT)
    add([token for material in material_names for token in tokenize(material)], MATERIAL_WEIGHT)
    add(tokenize(version.conditions), CONDITION_WEIGHT)
    return dict(weights)


def reindex_item(item: ServiceItem) -> int:
    """Replace the item's terms with those of its published version (none if unpublished)."""
    SearchTerm.objects.filter(item=item).delete()
    forget_count()
    version = item.current_version
    if version is None:
        return 0
    terms = version_terms(version, version.materials.values_list("name", flat=True))
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=term, item=item, weight=weight) for term, weight in terms.items()], batch_size=500
    )
    return len(terms)


@dataclass(frozen=True)
class Hit:
    item_id: int
    score: float


def bigrams(text: str) -> list[str]:
    """Overlapping two-character pieces of the Han runs in ``text`` (for fragments of names)."""
    pieces: list[str] = []
    for run in _HAN_RUN.findall(text):
        pieces.extend(run[i : i + 2] for i in range(len(run) - 1))
    return pieces


def query_terms(query: str) -> tuple[str, list[str]]:
    text = normalise(query)
    terms = list(dict.fromkeys(tokenize(text)))
    compact = "".join(_WORD.findall(text))
    if 2 <= len(compact) <= MAX_TERM_LENGTH and compact not in terms:
        terms.insert(0, compact)
    if len(compact) <= FRAGMENT_MAX_LENGTH:
        terms.extend(piece for piece in dict.fromkeys(bigrams(compact)) if piece not in terms)
    return compact, terms


def _marks(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


def _indexed_count() -> int:
    count = cache.get(COUNT_CACHE_KEY)
    if count is None:
        count = ServiceItem.objects.filter(current_version__isnull=False).count()
        cache.set(COUNT_CACHE_KEY, count, COUNT_CACHE_SECONDS)
    return max(int(count), 1)


def forget_count() -> None:
    cache.delete(COUNT_CACHE_KEY)


def search(query: str, *, limit: int = MAX_RESULTS) -> list[Hit]:
    """Items whose published guide matches ``query``, best first.

    Two indexed queries: the document frequency of each query term, then the weighted sum per item
    (for near-universal terms only over their strong rows, which would otherwise add work, not ranking).
    """
    compact, terms = query_terms(query)
    if not terms:
        return []
    term_table = SearchTerm._meta.db_table
    item_table = ServiceItem._meta.db_table
    with connection.cursor() as cursor:
        # Raw SQL: the ORM's expression building cost more than the database work at this size.
        cursor.execute(
            f"SELECT term, COUNT(*) FROM {term_table} WHERE term IN ({_marks(terms)}) GROUP BY term",  # noqa: S608
            terms,
        )
        frequency = {term: int(n) for term, n in cursor.fetchall()}
        if not frequency:
            return []
        total = _indexed_count()
        limit_rows = max(COMMON_SHARE * total, COMMON_MIN)
        present = [term for term in terms if term in frequency]
        rare = [term for term in present if frequency[term] <= limit_rows]
        # A near-universal term (申请, 营业执照 in materials…) still counts where it is strong: in a name,
        # an alias or a licence; its thousands of weak rows would add work, not ranking.
        common = [term for term in present if frequency[term] > limit_rows]
        cases = " ".join(["WHEN %s THEN %s"] * len(present))
        params: list[str | float] = []
        for term in present:
            params += [term, math.log(1 + total / frequency[term])]
        # Table names come from model metadata; every value is a bound parameter.
        parts: list[str] = []
        part_params: list[str | int] = []
        if rare:
            parts.append(f"SELECT item_id, term, weight FROM {term_table} WHERE term IN ({_marks(rare)})")  # noqa: S608
            part_params += rare
        if common:
            parts.append(
                f"SELECT item_id, term, weight FROM {term_table} WHERE term IN ({_marks(common)}) AND weight >= %s"  # noqa: S608
            )
            part_params += [*common, STRONG_WEIGHT]
        sql = (
            f"SELECT s.item_id, SUM(s.weight * (CASE s.term {cases} ELSE 0.0 END)), COUNT(*), "  # noqa: S608
            "MAX(i.popularity), MAX(i.basic_code), MAX(i.current_version_id) "
            f"FROM ({' UNION ALL '.join(parts)}) s JOIN {item_table} i ON i.id = s.item_id GROUP BY s.item_id"
        )
        cursor.execute(sql, [*params, *part_params])
        rows = cursor.fetchall()
    words = max(len([term for term in terms if term != compact]), 1)
    # Scores rounded once, so that float noise never splits a tie.
    scored = [
        (item_id, round(float(score) * min(1.0, 0.5 + matched / (2 * words)), 6), popularity)
        for item_id, score, matched, popularity, _, _ in rows
    ]
    scored.sort(key=lambda row: (-row[1], -row[2], row[0]))
    versions = {row[0]: row[5] for row in rows}
    joint = _joint_items_among_ties(scored[:TIE_WINDOW], versions)
    scored.sort(key=lambda row: (-row[1], row[0] in joint, -row[2], row[0]))
    # The same item implemented by each county would fill the first page with one name: show every
    # distinct item once (its best-ranked department) before the repeats, each round in rank order.
    basic = {row[0]: row[4] for row in rows}
    seen: dict[str, int] = defaultdict(int)
    rounds: list[int] = []
    for item_id, _, _ in scored:
        rounds.append(seen[basic[item_id]])
        seen[basic[item_id]] += 1
    order = sorted(range(len(scored)), key=lambda index: (rounds[index], index))
    return [Hit(scored[index][0], scored[index][1]) for index in order[:limit]]


def _joint_items_among_ties(scored: list[tuple[int, float, int]], versions: dict[int, int]) -> set[int]:
    """Joint items (several departments) among results that tie on score.

    At equal relevance the item one department handles comes first and the bundle that includes it
    (开办餐饮店一件事 after 食品经营许可): the single item is what the words name, the bundle follows.
    """
    counts: dict[float, int] = defaultdict(int)
    for _, score, _ in scored:
        counts[score] += 1
    tied = {versions[item_id]: item_id for item_id, score, _ in scored if counts[score] > 1}
    if not tied:
        return set()
    through = ItemVersion.joint_departments.through
    joint_versions = through.objects.filter(itemversion_id__in=list(tied)).values_list(
        "itemversion_id", flat=True
    )
    return {tied[version_id] for version_id in joint_versions}


def icontains_scan(query: str, *, limit: int = MAX_RESULTS) -> list[int]:
    """The naive baseline the benchmark compares with: substring scan over name, conditions, materials."""
    text = " ".join((query or "").split())
    if not text:
        return []
    condition = (
        models.Q(current_version__name__icontains=text)
        | models.Q(current_version__conditions__icontains=text)
        | models.Q(current_version__materials__name__icontains=text)
    )
    return list(
        ServiceItem.objects.filter(current_version__isnull=False)
        .filter(condition)
        .distinct()
        .order_by("-popularity", "id")
        .values_list("id", flat=True)[:limit]
    )
