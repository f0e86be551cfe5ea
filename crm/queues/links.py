"""The links on a queue page: every one keeps the filters and the sort in the query string."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from crm.queues import sorting
from crm.queues.sorting import Column, Sort


@dataclass(frozen=True)
class Listing:
    endpoint: str
    args: dict  # the filters, as ApplicationFilters.args() or AwaitingFilters.args() give them
    sort: Sort
    default_sort: Sort

    def url(self, *, args: dict | None = None, sort: Sort | None = None, page: int = 1) -> str:
        """This list with other filters, sort or page; a new filter or sort starts again at page 1."""
        return url_for(self.endpoint, **self.query(args=args, sort=sort, page=page))

    def query(self, *, args: dict | None = None, sort: Sort | None = None, page: int = 1) -> dict:
        query = dict(self.args if args is None else args)
        sort = sort or self.sort
        if sort != self.default_sort:
            query.update(sort=sort.key, order=sort.direction)
        if page > 1:
            query["page"] = page
        return query

    def headers(self, columns: list[Column]) -> list[dict]:
        return sorting.headers(columns, self.sort, lambda sort: self.url(sort=sort))

    def page_url(self, number: int) -> str:
        return self.url(page=number)
