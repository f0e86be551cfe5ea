"""The applicant's task list (GOV.UK task list pattern): a registry other areas add their tasks to.

The rule for adding a task: call `register(PortalTask(...))` at import time of a module that the app factory
imports anyway (the module defining the blueprint whose endpoint the task links to is the natural place, e.g.
crm/references/views.py), so the registry is full before the first request. `TASK_MODULES` below names the
modules `tasks_for` imports first, lazily, as a safety net; add yours there too. Registering the same key again
replaces the task (re-imports in tests stay harmless).

A task's `status(account)` answers one of STATUSES, computed from the same records the worker's pages read, so
the applicant and the worker see the same state. It should read only what the task needs (a query or two).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

NOT_STARTED = "Not yet started"
IN_PROGRESS = "In progress"
COMPLETED = "Completed"
CANNOT_START = "Cannot start yet"
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED, CANNOT_START)

# Modules that register tasks, imported before the list is read (their import registers).
TASK_MODULES = ["crm.portal.details", "crm.portal.consents", "crm.references.portal", "crm.documents.portal"]


@dataclass(frozen=True)
class PortalTask:
    key: str
    title: str
    endpoint: str  # a view of the task's own page, taking no arguments
    order: int  # lower first
    status: Callable  # (PortalAccount) -> one of STATUSES
    hint: str = ""


_registry: dict[str, PortalTask] = {}


def register(task: PortalTask) -> PortalTask:
    _registry[task.key] = task
    return task


def registered() -> list[PortalTask]:
    _import_task_modules()
    return sorted(_registry.values(), key=lambda task: (task.order, task.key))


def tasks_for(account) -> list[tuple[PortalTask, str]]:
    """Each task in order with its status for this account's household."""
    result = []
    for task in registered():
        status = task.status(account)
        if status not in STATUSES:
            raise ValueError(f"Task {task.key} answered {status!r}, not a GOV.UK task list status")
        result.append((task, status))
    return result


def _import_task_modules() -> None:
    for name in TASK_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is None or not name.startswith(error.name):
                raise  # a missing module inside a task module is a bug, not an area not built yet


_TAGS = {NOT_STARTED: "govuk-tag--blue", IN_PROGRESS: "govuk-tag--light-blue"}


def task_list_items(tasks: list[tuple[PortalTask, str]]) -> list[dict]:
    """govukTaskList's items: a tag for what waits on the applicant, plain text once done, no link while a task
    cannot start yet."""
    from flask import url_for

    items = []
    for task, status in tasks:
        item = {"title": {"text": task.title}}
        if task.hint:
            item["hint"] = {"text": task.hint}
        if status in _TAGS:
            item["status"] = {"tag": {"text": status, "classes": _TAGS[status]}}
        elif status == CANNOT_START:
            item["status"] = {"text": status, "classes": "govuk-task-list__status--cannot-start-yet"}
        else:
            item["status"] = {"text": status}
        if status != CANNOT_START:
            item["href"] = url_for(task.endpoint)
        items.append(item)
    return items
