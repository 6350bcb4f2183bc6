"""The head of a raw file: date, title, dateline and publisher."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline import headers


@pytest.mark.parametrize(
    ("text", "title", "dateline", "publisher"),
    [
        (" date 2020-05-05 MOSCOW, May 5. TASS The talks began.\nMore.", None, "MOSCOW", "TASS"),
        (" date 2020-05-05 ASTANA. KAZINFORM The forum opened.", None, "ASTANA", "Kazinform"),
        (
            " date 2020-05-05 NUR-SULTAN-MOSCOW. Kazinform Talks held.",
            None,
            "NUR-SULTAN-MOSCOW",
            "Kazinform",
        ),
        (
            " date 2020-05-05 Putin visits Astana\nThe visit began.",
            "Putin visits Astana",
            None,
            None,
        ),
        (
            " date 2020-05-05 Speech at the forum\nText.\n///originally published on the website "
            "Kremlin.ru, 5 May 2020",
            "Speech at the forum",
            None,
            "Kremlin.ru",
        ),
        (
            " date 2020-05-05 Article of the President published in the Russian newspaper "
            "Izvestia\nText of the article.",
            "Article of the President published in the Russian newspaper Izvestia",
            None,
            "Izvestia",
        ),
        (" date 2020-05-05 A single paragraph with no title at all.", None, None, None),
    ],
)
def test_head_of_file(
    text: str, title: str | None, dateline: str | None, publisher: str | None
) -> None:
    h = headers.parse(text)
    assert h.published_date == date(2020, 5, 5)
    assert (h.title, h.dateline, h.publisher) == (title, dateline, publisher)
    assert h.body_start == len(" date 2020-05-05 ")


def test_header_errors_say_what_is_wrong() -> None:
    with pytest.raises(headers.HeaderError) as err:
        headers.parse(" date 2019-13-01 Text")
    assert err.value.reason == "The header date 2019-13-01 is not a real date."
    assert err.value.detail == "month must be in 1..12"


def test_publisher_lexicon_is_case_insensitive() -> None:
    assert headers.publisher_of("kazinform") == "Kazinform"
    assert headers.publisher_of("Akorda.kz,") == "Akorda.kz"
    assert headers.publisher_of("Pravda of Nowhere") is None
