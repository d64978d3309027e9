"""Chinese full-text search over what disclosure has made public.

The same approach as the service catalogue's (:mod:`govhall.catalog.search`, whose jieba cutting,
simplified-Chinese normalising and bigrams this reuses): each public record's text is cut into
terms stored in :class:`~govhall.disclosure.models.SearchTerm` with a weight per field (title ≫
keywords and document number > issuing body > summary > body; the whole title and the whole document
number are terms of their own; titles also by character bigrams so that a fragment finds its record).
A query is cut the same way and matched by equality through the (term, kind, weight, object) index,
so SQLite and PostgreSQL answer and rank identically.

What the public must not find is never indexed: drafts, and the names of natural persons in penalty
decisions (only their masked form). A withdrawn publication keeps its title and numbers in the index
(it stays in the record) but loses its body.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection

from govhall.catalog.search import MAX_TERM_LENGTH, bigrams, query_terms, tokenize
from govhall.disclosure.models import SearchTerm

TITLE = 10
WHOLE_TITLE = 30
TITLE_BIGRAM = 3
WHOLE_CODE = 30
KEYWORD = 8
ISSUER = 4
SUMMARY = 2
BODY = 1
MAX_QUERY_TERMS = 16
MAX_RESULTS = 1000
COUNT_CACHE_KEY = "disclosure:search:count:{kind}"
COUNT_CACHE_SECONDS = 300
_WORD = re.compile(r"[\w\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Field:
    """A piece of text to index: its weight, whether it is also a term as a whole, and by bigrams."""

    text: str
    weight: int
    whole: int = 0
    by_bigrams: bool = False


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: int
    score: float


def terms_of(fields: Iterable[Field]) -> dict[str, int]:
    weights: dict[str, int] = defaultdict(int)
    for field in fields:
        text = normalise_text(field.text)
        if not text:
            continue
        for token in set(tokenize(text)):
            weights[token] += field.weight
        if field.by_bigrams:
            for piece in set(bigrams(text)):
                weights[piece] += TITLE_BIGRAM
        # The query side compacts the same way (catalog.search.query_terms): punctuation goes, so that
        # "云府办〔2026〕12号" and an index number with its slashes match however they are typed.
        compact = "".join(_WORD.findall(text))
        if field.whole and 2 <= len(compact) <= MAX_TERM_LENGTH:
            weights[compact] += field.whole
    return {term: weight for term, weight in weights.items() if weight > 0}


def normalise_text(text: str) -> str:
    """Lower-cased and single-spaced. Records are written in simplified Chinese; queries in
    traditional characters are converted by ``query_terms``."""
    return " ".join((text or "").split()).lower()


def reindex(kind: str, object_id: int, fields: Iterable[Field]) -> int:
    """Replace the terms of one record; call inside the transaction that changed the record."""
    SearchTerm.objects.filter(kind=kind, object_id=object_id).delete()
    terms = terms_of(fields)
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=term, kind=kind, object_id=object_id, weight=w) for term, w in terms.items()],
        batch_size=500,
    )
    forget_count(kind)
    return len(terms)


def unindex(kind: str, object_id: int) -> None:
    SearchTerm.objects.filter(kind=kind, object_id=object_id).delete()
    forget_count(kind)


def forget_count(kind: str) -> None:
    cache.delete(COUNT_CACHE_KEY.format(kind=kind))


def _indexed_count(kind: str) -> int:
    key = COUNT_CACHE_KEY.format(kind=kind)
    count = cache.get(key)
    if count is None:
        count = (
            SearchTerm.objects.filter(kind=kind).values("object_id").distinct().count()
            if kind
            else SearchTerm.objects.values("kind", "object_id").distinct().count()
        )
        cache.set(key, count, COUNT_CACHE_SECONDS)
    return max(int(count), 1)


def _marks(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def search(query: str, *, kinds: Sequence[str], limit: int = MAX_RESULTS) -> list[Hit]:
    """Records of ``kinds`` matching ``query``, best first (weight × inverse document frequency,
    scaled by the share of query words a record matched; ties by newest record first)."""
    compact, terms = query_terms(query)
    terms = terms[:MAX_QUERY_TERMS]
    if not terms or not kinds:
        return []
    table = SearchTerm._meta.db_table
    kind_list = list(kinds)
    with connection.cursor() as cursor:
        # Raw SQL as in catalog.search: two indexed aggregate queries, every value a bound parameter.
        cursor.execute(
            f"SELECT term, COUNT(*) FROM {table} WHERE term IN ({_marks(terms)}) "  # noqa: S608
            f"AND kind IN ({_marks(kind_list)}) GROUP BY term",
            [*terms, *kind_list],
        )
        frequency = {term: int(n) for term, n in cursor.fetchall()}
        present = [term for term in terms if term in frequency]
        if not present:
            return []
        total = sum(_indexed_count(kind) for kind in kind_list)
        cases = " ".join(["WHEN %s THEN %s"] * len(present))
        params: list[Any] = []
        for term in present:
            params += [term, math.log(1 + total / frequency[term])]
        cursor.execute(
            f"SELECT kind, object_id, SUM(weight * (CASE term {cases} ELSE 0.0 END)), COUNT(*) "  # noqa: S608
            f"FROM {table} WHERE term IN ({_marks(present)}) AND kind IN ({_marks(kind_list)}) "
            "GROUP BY kind, object_id",
            [*params, *present, *kind_list],
        )
        rows = cursor.fetchall()
    words = max(len([term for term in terms if term != compact]), 1)
    hits = [
        Hit(kind, int(object_id), round(float(score) * min(1.0, 0.5 + matched / (2 * words)), 6))
        for kind, object_id, score, matched in rows
    ]
    hits.sort(key=lambda hit: (-hit.score, -hit.object_id))
    return hits[:limit]
