"""The engine wrapper: template parsing and storage, state round trips, the multi-instance fan-out."""

from __future__ import annotations

import pytest

from govhall.cases import engine
from govhall.cases.models import ProcessTemplate
from govhall.core.errors import DomainError

pytestmark = pytest.mark.django_db

MINIMAL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="d" targetNamespace="https://govhall.example/bpmn/test">
  <bpmn:process id="one_step" name="一步 one step" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="a" sourceRef="start" targetRef="work"/>
    <bpmn:userTask id="work" name="办理 work">{extensions}</bpmn:userTask>
    <bpmn:sequenceFlow id="b" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
PROPERTIES = """<bpmn:extensionElements><spiffworkflow:properties>
  <spiffworkflow:property name="step_kind" value="review"/>
  <spiffworkflow:property name="candidate_group" value="lead:reviewer"/>
  <spiffworkflow:property name="actions" value="approve"/>
</spiffworkflow:properties></bpmn:extensionElements>"""


@pytest.mark.parametrize("code", sorted(engine.SHIPPED))
def test_shipped_processes_parse_and_are_stored_once(code: str) -> None:
    template = engine.active_template(code)
    assert template.version == 1 and template.process_id == code
    assert engine.active_template(code).pk == template.pk
    assert ProcessTemplate.objects.filter(code=code).count() == 1


def test_a_changed_definition_becomes_a_new_version() -> None:
    first = engine.store_template(code="custom", bpmn_xml=MINIMAL.format(extensions=PROPERTIES))
    same = engine.store_template(code="custom", bpmn_xml=MINIMAL.format(extensions=PROPERTIES))
    changed = engine.store_template(
        code="custom", bpmn_xml=MINIMAL.format(extensions=PROPERTIES.replace("approve", "approve,deny"))
    )
    assert same.pk == first.pk
    assert changed.version == 2 and changed.is_active
    first.refresh_from_db()
    assert not first.is_active
    assert engine.active_template("custom").pk == changed.pk


@pytest.mark.parametrize(
    "xml",
    [
        MINIMAL.format(extensions=""),  # a user task without a candidate group
        MINIMAL.format(extensions=PROPERTIES.replace("lead:reviewer", "lead:janitor")),
        MINIMAL.replace("<bpmn:endEvent", "<bpmn:notAnElement"),
        "not xml at all",
    ],
)
def test_invalid_definitions_are_refused(xml: str) -> None:
    with pytest.raises(DomainError) as invalid:
        engine.store_template(code="broken", bpmn_xml=xml)
    assert invalid.value.code == "invalid_process"
    assert not ProcessTemplate.objects.filter(code="broken").exists()


def test_state_round_trip_does_not_depend_on_key_order() -> None:
    template = engine.active_template("joint")
    run = engine.start(template, data={"departments": ["A", "B", "C"]})
    (accept,) = run.ready_tasks()
    run.complete(accept.engine_id, action="accept")
    state = run.dump()
    assert "spec" not in state
    # What jsonb may hand back: the task mapping in another order.
    state["tasks"] = dict(reversed(list(state["tasks"].items())))
    restored = engine.restore(template, state)
    ready = restored.ready_tasks()
    assert sorted(t.department_code for t in ready) == ["A", "B", "C"]
    assert {(t.step_kind, t.role) for t in ready} == {("joint_review", "approver")}
    for task, action in zip(ready, ["approve", "deny", "approve"], strict=True):
        restored = engine.restore(template, restored.dump())
        restored.complete(task.engine_id, action=action)
    assert restored.outcome == "denied"
    assert [t.step_kind for t in restored.ready_tasks()] == ["complete"]


def test_completing_a_task_that_is_not_ready_is_refused() -> None:
    run = engine.start(engine.active_template("standard"), data={})
    (accept,) = run.ready_tasks()
    run.complete(accept.engine_id, action="accept")
    with pytest.raises(DomainError) as stale:
        run.complete(accept.engine_id, action="accept")
    assert stale.value.status == 409


def test_conditions_have_no_builtins() -> None:
    xml = engine.shipped_xml("standard").replace('action == "reject"', '__import__("os").getcwd() == ""')
    template = engine.store_template(code="sneaky", bpmn_xml=xml)
    run = engine.start(template, data={})
    (accept,) = run.ready_tasks()
    with pytest.raises(Exception, match="__import__"):
        run.complete(accept.engine_id, action="accept")
