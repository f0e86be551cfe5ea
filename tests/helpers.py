"""Helpers the test areas share: counting rows, and posting a form as its page would."""
from __future__ import annotations

from sqlalchemy import event, func, select
from werkzeug.datastructures import MultiDict

from tests.conftest import csrf_token


def count(db_session, model, *where) -> int:
    """How many rows of `model` there are (that meet `where`)."""
    return db_session.scalar(select(func.count()).select_from(model).where(*where))


def post(client, page_url: str, url: str | None, data: dict | list[tuple[str, str]]):
    """Post a form to `url` (None: the page itself) as the page at page_url would, with its CSRF token. The data is a
    dict, whose list values repeat the field, or (field, value) pairs."""
    token = csrf_token(client.get(page_url).get_data(as_text=True))
    items = data.items() if isinstance(data, dict) else [(key, [value]) for key, value in data]
    pairs = [(key, item) for key, value in items for item in (value if isinstance(value, list) else [value])]
    return client.post(url or page_url, data=MultiDict([*pairs, ("csrf_token", token)]))


class StatementCounter:
    """Counts the SQL statements the app's engine sends (a hot page's count is asserted, so an N+1 fails)."""

    def __init__(self, engine):
        self.engine, self.statements, self.executed = engine, [], []

    def _record(self, _connection, _cursor, statement, parameters, *_args) -> None:
        self.statements.append(statement)
        self.executed.append((statement, parameters))

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


def statements_of(app, client, url: str) -> int:
    """How many SQL statements one GET of url issues (after a first, untimed, GET that warms per-app caches)."""
    from crm.extensions import Database

    assert client.get(url).status_code == 200
    with StatementCounter(Database.state(app).engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count
