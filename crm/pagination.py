"""Pages of every list: the page the query string asks for, one counted page of a select, and GOV.UK pagination
links (the macro in templates/macros/pagination.html draws them)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from flask import request, url_for
from sqlalchemy import Select, func, select

from crm.extensions import db

PAGE_SIZE = 25
# Beyond any real list; keeps a typed-in page number from becoming an absurd OFFSET.
MAX_PAGE = 100_000


def requested_page(raw: str | None) -> int:
    """The page asked for: anything that is not a positive whole number is page 1."""
    try:
        number = int(raw or 1)
    except ValueError:  # also a number too long for int() to read
        return 1
    return min(max(number, 1), MAX_PAGE)


def last_page(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))


def clamp(number: int, total: int, size: int = PAGE_SIZE) -> int:
    """A page past the end shows the last page rather than an empty list."""
    return min(max(number, 1), last_page(total, size))


def offset(number: int, size: int = PAGE_SIZE) -> int:
    return (number - 1) * size


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return last_page(self.total, self.size)

    @property
    def first(self) -> int:
        """The position of the first row shown (1-based), 0 when there is none."""
        return offset(self.number, self.size) + 1 if self.items else 0

    @property
    def last(self) -> int:
        return offset(self.number, self.size) + len(self.items)

    def map(self, convert: Callable) -> Page:
        return replace(self, items=[convert(item) for item in self.items])


def paginate(query: Select, number: int, *, size: int = PAGE_SIZE, total: int | None = None) -> Page:
    """Page `number` of the select's rows (the last page for one past the end), in two statements: the count,
    unless the caller has it already, and the page. A select of one entity or column gives those, else rows."""
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number = clamp(number, total, size)
    result = db.session.execute(query.limit(size).offset(offset(number, size)))
    items = list(result.scalars() if len(query.column_descriptions) == 1 else result)
    return Page(items, total, number, size)


def links(page: Page, href: Callable[[int], str] | None = None, *, endpoint: str | None = None) -> dict | None:
    """govukPagination's parameters: previous, next, and the numbered pages around this one; None for one page.

    Each link is `href(number)`, by default this page's address (or `endpoint`'s) with its other query arguments."""
    if page.pages <= 1:
        return None
    href = href or (lambda number: page_url(number, endpoint))
    items = [{"ellipsis": True} if number is None else
             {"number": number, "href": href(number), "current": number == page.number}
             for number in _numbers(page.number, page.pages)]
    return {
        "previous": {"href": href(page.number - 1)} if page.number > 1 else None,
        "next": {"href": href(page.number + 1)} if page.number < page.pages else None,
        "items": items,
    }


def page_url(number: int, endpoint: str | None = None) -> str:
    """The request's address (or `endpoint`'s) at page `number`, every other query argument kept, repeated ones
    too; page 1 goes without a number."""
    args = {key: values for key, values in request.args.lists() if key != "page"}
    if number > 1:
        args["page"] = number
    return url_for(endpoint or request.endpoint, **{**args, **(request.view_args or {})})


def _numbers(current: int, pages: int) -> list[int | None]:
    """1, the pages either side of the current one, and the last; None where pages are left out."""
    wanted = sorted({1, pages, *range(max(1, current - 1), min(pages, current + 1) + 1)})
    numbers: list[int | None] = []
    for number in wanted:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None if number - numbers[-1] > 2 else number - 1)
        numbers.append(number)
    return numbers
