"""Pages of a list: which page the query string asks for, which rows that is, and GOV.UK pagination links."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

PAGE_SIZE = 25
# Beyond any real list; keeps a typed-in page number from becoming an absurd OFFSET.
MAX_PAGE = 100_000


def requested_page(raw: str | None) -> int:
    """The page asked for: anything that is not a positive whole number is page 1."""
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def last_page(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))


def clamp(number: int, total: int, size: int = PAGE_SIZE) -> int:
    """A page past the end shows the last page rather than an empty list."""
    return min(max(number, 1), last_page(total, size))


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
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


def offset(number: int, size: int = PAGE_SIZE) -> int:
    return (number - 1) * size


def pagination(page: Page, href: Callable[[int], str]) -> dict | None:
    """govukPagination's parameters: previous, next, and the numbered pages around this one; None for one page."""
    if page.pages <= 1:
        return None
    items = [{"ellipsis": True} if number is None else
             {"number": number, "href": href(number), "current": number == page.number}
             for number in _numbers(page.number, page.pages)]
    return {
        "previous": {"href": href(page.number - 1)} if page.number > 1 else None,
        "next": {"href": href(page.number + 1)} if page.number < page.pages else None,
        "items": items,
    }


def _numbers(current: int, pages: int) -> list[int | None]:
    """1, the pages either side of the current one, and the last; None where pages are left out."""
    wanted = sorted({1, pages, *range(max(1, current - 1), min(pages, current + 1) + 1)})
    numbers: list[int | None] = []
    for number in wanted:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None if number - numbers[-1] > 2 else number - 1)
        numbers.append(number)
    return numbers
