"""The audit log: chaining, transactions, tamper detection by ``audit_verify``, request ids, admin."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from govhall.core.audit import GENESIS_HASH, compute_hash, record_event, verify_chain
from govhall.core.models import AuditChainHead, AuditEvent
from govhall.identity.models import User

PASSWORD = "audit-password-42"


def run_verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def existing_events() -> int:
    return AuditEvent.objects.count()


def append_events(actor: User, count: int) -> list[AuditEvent]:
    events = []
    for n in range(count):
        with transaction.atomic():
            events.append(
                record_event(
                    actor=actor,
                    action="test.touch",
                    obj=actor,
                    before={"n": n - 1} if n else None,
                    after={"n": n, "名称": "云浮"},
                )
            )
    return events


@pytest.fixture
def actor(db: None) -> User:
    return User.objects.create_user(username="auditor", password=PASSWORD)


# --- chaining -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_events_in_one_transaction_are_chained_in_order(actor: User) -> None:
    start = existing_events()
    with transaction.atomic():
        first = record_event(actor=actor, action="test.a", obj=actor, after={"x": 1})
        second = record_event(actor=actor, action="test.b", obj="core.thing", object_id=7)
    third = append_events(actor, 1)[0]

    assert [first.sequence, second.sequence, third.sequence] == [start + 1, start + 2, start + 3]
    if start == 0:
        assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    assert (second.object_type, second.object_id, second.actor_id) == ("core.thing", "7", actor.pk)
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (third.sequence, third.hash)

    assert run_verify() == (0, f"audit chain OK: {start + 3} events\n", "")


@pytest.mark.django_db
def test_empty_log_verifies() -> None:
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.all().delete()
    assert run_verify() == (0, "audit chain OK: 0 events\n", "")


@pytest.mark.django_db(transaction=True)
def test_record_event_outside_a_transaction_raises() -> None:
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic\(\)"):
        record_event(actor=None, action="test.orphan", obj="core.thing", object_id=1)
    assert not AuditEvent.objects.filter(action="test.orphan").exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_event_and_the_chain_holds() -> None:
    actor = User.objects.create_user(username="auditor", password=PASSWORD)
    append_events(actor, 2)
    before = verify_chain()
    assert before.ok

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record_event(actor=actor, action="test.doomed", obj=actor, after={"n": 99})
        _ = 1 / 0

    assert not AuditEvent.objects.filter(action="test.doomed").exists()
    assert AuditChainHead.objects.get().last_sequence == before.checked
    # The next append links to the last committed event, not to the rolled-back one.
    append_events(actor, 1)
    code, out, _ = run_verify()
    assert (code, out) == (0, f"audit chain OK: {before.checked + 1} events\n")


# --- tampering -----------------------------------------------------------------------------------


def _edit_after(events: list[AuditEvent]) -> None:
    AuditEvent.objects.filter(pk=events[2].pk).update(after={"n": 2, "名称": "篡改"})


def _edit_actor_label(events: list[AuditEvent]) -> None:
    AuditEvent.objects.filter(pk=events[2].pk).update(actor_label="someone-else")


def _delete_middle(events: list[AuditEvent]) -> None:
    AuditEvent.objects.filter(pk=events[2].pk).delete()


def _delete_last(events: list[AuditEvent]) -> None:
    AuditEvent.objects.filter(pk=events[-1].pk).delete()


def _swap_hashes(events: list[AuditEvent]) -> None:
    second, third = events[1], events[2]
    with transaction.atomic():
        AuditEvent.objects.filter(pk=second.pk).update(hash="x" * 64)
        AuditEvent.objects.filter(pk=third.pk).update(hash=second.hash)
        AuditEvent.objects.filter(pk=second.pk).update(hash=third.hash)


def _rewrite_and_rehash(events: list[AuditEvent]) -> None:
    # A forger who edits a row and recomputes its own hash still breaks the next link.
    victim = events[2]
    forged_after = {"n": 2, "名称": "伪造"}
    forged_hash = compute_hash(
        previous_hash=victim.previous_hash,
        sequence=victim.sequence,
        occurred_at=victim.occurred_at,
        actor_id=victim.actor_id,
        actor_label=victim.actor_label,
        action=victim.action,
        object_type=victim.object_type,
        object_id=victim.object_id,
        before=victim.before,
        after=forged_after,
        request_id=victim.request_id,
    )
    AuditEvent.objects.filter(pk=victim.pk).update(after=forged_after, hash=forged_hash)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tamper", "broken_index", "reason"),
    [
        (_edit_after, 2, "content does not match its hash"),
        (_edit_actor_label, 2, "content does not match its hash"),
        (_delete_middle, 2, "is missing"),
        (_delete_last, 4, "chain head says"),
        (_swap_hashes, 1, "does not match"),
        (_rewrite_and_rehash, 3, "previous_hash does not match the preceding event"),
    ],
    ids=["edit-after", "edit-actor", "delete-middle", "delete-last", "swap-hashes", "rewrite-and-rehash"],
)
def test_tampering_is_reported_at_the_right_event(
    actor: User, tamper: Callable[[list[AuditEvent]], None], broken_index: int, reason: str
) -> None:
    events = append_events(actor, 5)
    assert run_verify()[0] == 0

    tamper(events)

    code, out, err = run_verify()
    assert code == 1
    assert out == ""
    expected_sequence = events[broken_index].sequence
    assert err.startswith(f"audit chain BROKEN at event #{expected_sequence}: ")
    assert reason in err


# --- request id ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_request_id_from_the_middleware_lands_in_the_event(client: Client, actor: User) -> None:
    response = client.post(
        "/api/v1/auth/token",
        data=json.dumps({"username": "auditor", "password": PASSWORD}),
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-audit-0001",
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-audit-0001"
    event = AuditEvent.objects.get(action="identity.api_token.issue")
    assert event.request_id == "req-audit-0001"
    assert run_verify()[0] == 0


@pytest.mark.django_db
def test_unsafe_request_ids_are_replaced_by_a_fresh_one(client: Client, actor: User) -> None:
    response = client.post(
        "/api/v1/auth/token",
        data=json.dumps({"username": "auditor", "password": PASSWORD}),
        content_type="application/json",
        HTTP_X_REQUEST_ID="bad id\nwith newline",
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="identity.api_token.issue")
    assert event.request_id == response["X-Request-ID"]
    assert len(event.request_id) == 32 and event.request_id.isalnum()


# --- concurrency -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; row locking is exercised on PostgreSQL")
    actors = [User.objects.create_user(username=f"writer{n}", password=PASSWORD) for n in range(2)]
    start = existing_events()
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(actors))

    def writer(user: User) -> None:
        try:
            barrier.wait(timeout=10)
            append_events(user, 50)
        except BaseException as exc:  # handed to the main thread, which fails the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(user,)) for user in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, start + 101))
    assert {user.pk: AuditEvent.objects.filter(actor=user).count() for user in actors} == {
        user.pk: 50 for user in actors
    }
    assert run_verify() == (0, f"audit chain OK: {start + 100} events\n", "")


# --- admin -----------------------------------------------------------------------------------------


@pytest.fixture
def admin_client_with_events(client: Client, actor: User) -> tuple[Client, list[AuditEvent]]:
    admin = User.objects.create_superuser(username="root_admin", password=PASSWORD)
    events = append_events(actor, 2)
    with transaction.atomic():
        events.append(record_event(actor=admin, action="test.other", obj="core.thing", object_id="A-17"))
    client.force_login(admin)
    return client, events


@pytest.mark.django_db
def test_admin_lists_filters_and_searches_events(
    admin_client_with_events: tuple[Client, list[AuditEvent]],
) -> None:
    client, events = admin_client_with_events
    url = "/admin/core/auditevent/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["cl"].result_count >= 3

    by_action = client.get(url, {"action": "test.other"})
    assert [e.pk for e in by_action.context["cl"].result_list] == [events[2].pk]
    by_type = client.get(url, {"object_type": "core.thing"})
    assert [e.pk for e in by_type.context["cl"].result_list] == [events[2].pk]
    by_object_id = client.get(url, {"q": "A-17"})
    assert [e.pk for e in by_object_id.context["cl"].result_list] == [events[2].pk]
    by_actor = client.get(url, {"q": "auditor"})
    assert {e.pk for e in by_actor.context["cl"].result_list} == {events[0].pk, events[1].pk}


@pytest.mark.django_db
def test_admin_cannot_add_change_or_delete_events(
    admin_client_with_events: tuple[Client, list[AuditEvent]],
) -> None:
    client, events = admin_client_with_events
    event = events[0]
    base = "/admin/core/auditevent/"
    assert client.get(f"{base}add/").status_code == 403

    detail = client.get(f"{base}{event.pk}/change/")
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    assert client.post(f"{base}{event.pk}/change/", {"action": "forged"}).status_code == 403
    assert client.post(f"{base}{event.pk}/delete/", {"post": "yes"}).status_code == 403

    event.refresh_from_db()
    assert event.action == "test.touch"
    assert run_verify()[0] == 0


@pytest.mark.django_db
def test_staff_without_the_view_permission_cannot_open_the_log(client: Client) -> None:
    clerk = User.objects.create_user(username="clerk", password=PASSWORD, is_staff=True)
    client.force_login(clerk)
    assert client.get("/admin/core/auditevent/").status_code == 403
