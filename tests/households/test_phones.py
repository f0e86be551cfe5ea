"""The plain-UK shortcut of phone normalisation gives exactly what phonenumbers gives."""
import random

import pytest
from faker import Faker

from crm.households import phones


def _slow(text: str) -> str | None:
    number = phones._parse(text)
    return phones.phonenumbers.format_number(number, phones.phonenumbers.PhoneNumberFormat.E164) if number \
        else phones._digits(text) or None


def _mutated(text: str, pick: random.Random) -> str:
    cells = list(text)
    for _ in range(pick.randrange(3)):
        at = pick.randrange(len(cells))
        if pick.random() < 0.5:
            cells.insert(at, pick.choice("0123456789 -()+"))
        else:
            cells[at] = pick.choice("0123456789")
    return "".join(cells)


@pytest.mark.parametrize("text, expected", [
    ("0151 496 0660", "+441514960660"), ("+44(0)151 496 0660", "+441514960660"), ("+44 151-496-0660", "+441514960660"),
    ("(01632) 960391", "+441632960391"), ("0800 123456", "+44800123456")])
def test_plain_uk_numbers_take_the_shortcut(text, expected):
    assert phones._plain_uk(text) == expected == _slow(text)


@pytest.mark.parametrize("text", ["+4401514960660", "0044 151 496 0660", "015149606601", "07700 9001", "0151 496 066O",
                                  "+1 202 555 0100", "151 496 0660", "((0151 496 0660", ""])
def test_anything_else_is_left_to_phonenumbers(text):
    assert phones._plain_uk(text) is None


def test_the_shortcut_agrees_with_phonenumbers_on_generated_numbers():
    fake, pick = Faker("en_GB"), random.Random(17)
    fake.seed_instance(17)
    numbers = [fake.phone_number() for _ in range(1500)]
    numbers += [_mutated(number, pick) for number in numbers]
    taken = [number for number in numbers if phones._plain_uk(number) is not None]
    assert len(taken) > 1000
    assert [phones._plain_uk(number) for number in taken] == [_slow(number) for number in taken]
    assert [phones.normalise_phone(number) for number in numbers] == [_slow(number) for number in numbers]
