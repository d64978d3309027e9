"""Cases: submission throughput and the cost of one process transition, each against its floor.

- Submissions (cases/s) through the service and through ``POST /api/v1/cases`` (bearer token, the
  whole middleware stack), against the floor: the same rows — case, material, timeline events,
  audit events and chain head, first task, number counter, item popularity — written with raw SQL,
  one transaction per case. Both sides are checked to write the same number of rows per case.
- One transition (ms) of the standard process (accept → review → decide → complete): through the
  engine wrapper (restore the stored state, complete, sync, dump, JSON round trip as the database
  does) and through the full service call (row lock, task rows, timeline, audit), against a bare
  SpiffWorkflow run of the same parsed process kept in memory.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from harness import Row, measure

SUBMISSIONS = 150
LIFECYCLES = 40
ACTIONS = ("accept", "approve", "approve", "complete")
FORM = {"contact_name": "张三", "contact_phone": "13800138000"}
ROW_TABLES = (
    "cases_case",
    "cases_casematerial",
    "cases_caseevent",
    "cases_task",
    "core_auditevent",
)


def _setup() -> dict[str, Any]:
    from govhall.catalog import services as catalog_services
    from govhall.catalog.codes import build_basic_code
    from govhall.catalog.content import GuideContent, MaterialSpec
    from govhall.catalog.models import ServiceItem
    from govhall.testing import personas

    admin = personas.staff("platform_admin")
    department = personas.department("dept_a")
    version = catalog_services.create_item(
        actor=admin,
        department=department,
        level="city",
        basic_code=build_basic_code(kind="01", main=90001),
        content=GuideContent(
            name="食品经营许可（基准）",
            target="both",
            legal_basis="《中华人民共和国食品安全法》",
            conditions="—",
            item_type="promised",
            promised_days=10,
            statutory_days=20,
            online_depth=3,
            materials=[MaterialSpec(name="身份证", medium="paper")],
        ),
    )
    catalog_services.submit_for_review(actor=admin, version=version)
    catalog_services.publish(actor=admin, version=version)
    item = ServiceItem.objects.select_related("current_version", "department").get(pk=version.item_id)
    assert item.current_version is not None
    return {
        "item": item,
        "material": item.current_version.materials.get(),
        "citizen": personas.citizen("citizen"),
        "clerk": personas.staff("clerk"),
        "reviewer": personas.staff("reviewer"),
        "approver": personas.staff("approver"),
    }


def _row_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in ROW_TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed table names
            counts[table] = cursor.fetchone()[0]
    return counts


def _per_case(before: dict[str, int], after: dict[str, int], cases: int) -> dict[str, float]:
    return {table: (after[table] - before[table]) / cases for table in ROW_TABLES}


# --- Submission paths ----------------------------------------------------------------------------


def _service_submitter(env: dict[str, Any]) -> Callable[[int], str]:
    from govhall.cases import services

    provided = [services.ProvidedMaterial(material_id=env["material"].pk, kind="counter")]

    def submit(n: int) -> str:
        result = services.submit_case(
            actor=env["citizen"],
            item=env["item"],
            form_data=dict(FORM),
            provided=provided,
            idempotency_key=f"svc-{uuid.uuid4().hex}",
        )
        return result.case.status

    return submit


def _api_submitter(env: dict[str, Any]) -> Callable[[int], str]:
    from django.test import Client

    from govhall.identity.tokens import issue_token

    client = Client(HTTP_HOST="localhost")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=env['citizen']).raw}"}
    body = json.dumps(
        {
            "item": env["item"].implementation_code,
            "form": FORM,
            "materials": [{"material_id": env["material"].pk, "kind": "counter"}],
        }
    )

    def submit(n: int) -> str:
        response = client.post(
            "/api/v1/cases",
            data=body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"api-{uuid.uuid4().hex}",
            **headers,
        )
        if response.status_code != 201:
            raise AssertionError(f"API submission failed: {response.status_code} {response.content[:300]!r}")
        return str(response.json()["status"])

    return submit


def _fetch(cursor: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _insert(cursor: Any, table: str, row: dict[str, Any]) -> int:
    columns = [c for c in row if c != "id"]
    placeholders = ", ".join(["%s"] * len(columns))
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) RETURNING id",  # noqa: S608
        [row[c] for c in columns],
    )
    return int(cursor.fetchone()[0])


def _raw_submitter(env: dict[str, Any]) -> Callable[[int], str]:
    """The floor: copies of one real submission's rows, inserted with raw SQL."""
    from django.db import connection, transaction

    from govhall.cases.models import Case

    model_case = Case.objects.exclude(case_no=None).latest("id")
    with connection.cursor() as cursor:
        case_row = _fetch(cursor, "SELECT * FROM cases_case WHERE id = %s", [model_case.pk])[0]
        materials = _fetch(cursor, "SELECT * FROM cases_casematerial WHERE case_id = %s", [model_case.pk])
        events = _fetch(
            cursor, "SELECT * FROM cases_caseevent WHERE case_id = %s ORDER BY id", [model_case.pk]
        )
        tasks = _fetch(cursor, "SELECT * FROM cases_task WHERE case_id = %s", [model_case.pk])
        audits = _fetch(
            cursor,
            "SELECT * FROM core_auditevent WHERE object_type = 'cases.case' AND object_id = %s ORDER BY sequence",
            [str(model_case.pk)],
        )
    department_id, item_id = case_row["lead_department_id"], case_row["item_id"]

    def submit(n: int) -> str:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_casenumbercounter SET last = last + 1 WHERE department_id = %s", [department_id]
            )
            case_id = _insert(
                cursor,
                "cases_case",
                {
                    **case_row,
                    "uid": uuid.uuid4().hex,
                    "case_no": f"RAW-{uuid.uuid4().hex[:20]}",
                    "idempotency_key": f"raw-{uuid.uuid4().hex}",
                },
            )
            for row in materials:
                _insert(cursor, "cases_casematerial", {**row, "case_id": case_id})
            for row in events:
                _insert(cursor, "cases_caseevent", {**row, "case_id": case_id})
            for row in tasks:
                _insert(cursor, "cases_task", {**row, "case_id": case_id, "engine_task_id": uuid.uuid4().hex})
            cursor.execute("SELECT last_sequence FROM core_auditchainhead WHERE id = 1")
            sequence = cursor.fetchone()[0]
            for row in audits:
                sequence += 1
                digest = uuid.uuid4().hex * 2
                _insert(
                    cursor,
                    "core_auditevent",
                    {**row, "sequence": sequence, "object_id": str(case_id), "hash": digest},
                )
            cursor.execute(
                "UPDATE core_auditchainhead SET last_sequence = %s, last_hash = %s WHERE id = 1",
                [sequence, digest],
            )
            cursor.execute(
                "UPDATE catalog_serviceitem SET popularity = popularity + 1 WHERE id = %s", [item_id]
            )
        return str(case_row["status"])

    return submit


def _submission_rows(env: dict[str, Any]) -> list[Row]:
    service = _service_submitter(env)
    service(0)  # warm: the process template is stored and its spec restored once
    inputs = [(n,) for n in range(SUBMISSIONS)]

    before = _row_counts()
    via_service = measure(service, inputs, rounds=2)
    service_rows = _per_case(before, _row_counts(), SUBMISSIONS * 2)

    api = _api_submitter(env)
    api(0)
    before = _row_counts()
    via_api = measure(api, inputs, rounds=2)
    api_rows = _per_case(before, _row_counts(), SUBMISSIONS * 2)

    raw = _raw_submitter(env)
    before = _row_counts()
    floor = measure(raw, inputs, rounds=2)
    raw_rows = _per_case(before, _row_counts(), SUBMISSIONS * 2)

    if not (service_rows == api_rows == raw_rows):
        raise AssertionError(f"rows per case differ: service {service_rows}, API {api_rows}, raw {raw_rows}")
    if not (set(via_service.results) == set(via_api.results) == set(floor.results) == {"submitted"}):
        raise AssertionError("not every submission ended submitted")
    rows_note = ", ".join(f"{table} {count:g}" for table, count in service_rows.items())
    baseline = "the same rows inserted with raw SQL, one transaction per case"
    return [
        Row(
            figure="case submission through the service (cases/s)",
            value=1 / via_service.per_call,
            baseline=1 / floor.per_call,
            unit="cases/s",
            baseline_name=baseline,
            notes=[f"rows per case: {rows_note}; plus counter, chain head and popularity updates"],
        ),
        Row(
            figure="case submission through POST /api/v1/cases (cases/s)",
            value=1 / via_api.per_call,
            baseline=1 / floor.per_call,
            unit="cases/s",
            baseline_name=baseline,
        ),
    ]


# --- Transitions ---------------------------------------------------------------------------------


def _bare_lifecycle(spec: Any) -> Callable[[], bool]:
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    def lifecycle() -> bool:
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        for action in ACTIONS:
            task = workflow.get_next_task(state=TaskState.READY, manual=True)
            task.data["action"] = action
            task.run()
            workflow.do_engine_steps()
        return bool(workflow.is_completed())

    return lifecycle


def _wrapper_lifecycle(template: Any) -> Callable[[], bool]:
    from govhall.cases import engine

    def lifecycle() -> bool:
        run = engine.start(template, data={})
        state = json.loads(json.dumps(run.dump()))
        for action in ACTIONS:
            run = engine.restore(template, state)
            (ready,) = run.ready_tasks()
            run.complete(ready.engine_id, action=action)
            state = json.loads(json.dumps(run.dump()))
        return engine.restore(template, state).finished

    return lifecycle


def _service_lifecycle(env: dict[str, Any]) -> Callable[[Any], str]:
    from govhall.cases import handling

    def lifecycle(case: Any) -> str:
        case = handling.accept_case(actor=env["clerk"], case=case)
        review = case.tasks.get(step_kind="review")
        handling.complete_task(actor=env["reviewer"], task=review, action="approve")
        decide = case.tasks.get(step_kind="decide")
        handling.complete_task(actor=env["approver"], task=decide, action="approve", opinion="同意")
        return handling.complete_case(actor=env["clerk"], case=case).status

    return lifecycle


def _transition_rows(env: dict[str, Any]) -> list[Row]:
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

    from govhall.cases import engine
    from govhall.cases.models import Case

    template = engine.active_template("standard")
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(template.bpmn_xml.encode("utf-8"))
    spec = parser.get_spec(template.process_id)
    transitions = len(ACTIONS)

    bare = measure(_bare_lifecycle(spec), [()] * 50, rounds=5)
    wrapper = measure(_wrapper_lifecycle(template), [()] * 50, rounds=5)
    if not (all(bare.results) and all(wrapper.results)):
        raise AssertionError("a lifecycle did not finish its process")

    submit = _service_submitter(env)
    lifecycle = _service_lifecycle(env)
    full_best = float("inf")
    for _ in range(2):
        for n in range(LIFECYCLES):
            submit(n)
        cases = [(c,) for c in Case.objects.filter(status=Case.Status.SUBMITTED).order_by("id")[:LIFECYCLES]]
        full = measure(lifecycle, cases, rounds=1)
        if set(full.results) != {"completed"}:
            raise AssertionError("a service lifecycle did not complete its case")
        full_best = min(full_best, full.per_call)
    baseline = "bare SpiffWorkflow: the same parsed process, workflow kept in memory"
    return [
        Row(
            figure="one transition, engine wrapper (restore, complete, dump, JSON)",
            value=wrapper.per_call / transitions,
            baseline=bare.per_call / transitions,
            baseline_name=baseline,
        ),
        Row(
            figure="one transition, full service call (lock, tasks, timeline, audit)",
            value=full_best / transitions,
            baseline=bare.per_call / transitions,
            baseline_name=baseline,
            notes=["standard process: accept → review → decide → complete, per transition"],
        ),
    ]


def run() -> list[Row]:
    env = _setup()
    return _submission_rows(env) + _transition_rows(env)
