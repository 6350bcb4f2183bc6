"""Ingest: every messy-input case of the spec gives a clear message and the build goes on."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from pipeline.stages import ingest

GOOD = " date 2021-03-04 MOSCOW. TASS The two presidents met in the Kremlin.\n\nThey talked.\n"


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    write(folder, "001_0000000000000001.txt", GOOD.encode())
    return folder


def test_good_file_becomes_a_document(raw: Path) -> None:
    docs, rejected = ingest.ingest(raw)
    assert rejected.empty
    row = docs.iloc[0]
    data = GOOD.encode()
    assert row["doc_id"] == hashlib.sha256(data).hexdigest()[:16]
    assert row["sha256"] == hashlib.sha256(data).hexdigest()
    assert row["source_path"] == "001_0000000000000001.txt"
    assert row["published_date"] == date(2021, 3, 4)
    assert row["dateline"] == "MOSCOW"
    assert row["publisher"] == "TASS"
    assert row["text"] == GOOD
    assert row["n_chars"] == len(GOOD)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "The file is empty."),
        (b"  \n\r\n ", "The file is empty."),
        (b"The presidents met.\n", "The file does not start with a ' date YYYY-MM-DD ' header."),
        (b" date 2021-02-30 Text.\n", "The header date 2021-02-30 is not a real date."),
        (b" date 21-3-4 Text.\n", "The header date '21-3-4' is not of the form YYYY-MM-DD."),
        (
            " date 2021-03-04 Встреча в Кремле".encode("cp1251"),
            "The file is not UTF-8 text; re-save it as UTF-8.",
        ),
        (b" date 2021-03-04 \x00\x01\x02 binary", "The file contains NUL characters"),
    ],
    ids=["empty", "blank", "no-header", "impossible-date", "bad-date-form", "cp1251", "binary"],
)
def test_bad_file_is_rejected_with_reason_and_build_goes_on(
    raw: Path, data: bytes, reason: str
) -> None:
    write(raw, "002_0000000000000002.txt", data)
    docs, rejected = ingest.ingest(raw)
    assert list(docs["source_path"]) == ["001_0000000000000001.txt"]
    assert list(rejected["source_path"]) == ["002_0000000000000002.txt"]
    assert rejected.iloc[0]["reason"].startswith(reason)


def test_not_utf8_detail_names_the_byte(raw: Path) -> None:
    write(raw, "002_0000000000000002.txt", b" date 2021-03-04 caf\xe9\n")
    _, rejected = ingest.ingest(raw)
    assert rejected.iloc[0]["detail"] == "invalid byte 0xe9 at byte offset 20"


def test_byte_order_mark_is_dropped_and_header_read(raw: Path) -> None:
    write(
        raw, "002_0000000000000002.txt", b"\xef\xbb\xbf date 2022-01-02 Astana hosts talks\nText."
    )
    docs, rejected = ingest.ingest(raw)
    assert rejected.empty
    row = docs.set_index("source_path").loc["002_0000000000000002.txt"]
    assert row["text"].startswith(" date 2022-01-02")
    assert row["published_date"] == date(2022, 1, 2)
    assert row["title"] == "Astana hosts talks"


def test_windows_line_endings_are_kept(raw: Path) -> None:
    data = b" date 2022-01-02 Title line\r\n\r\nFirst paragraph.\r\n"
    write(raw, "002_0000000000000002.txt", data)
    docs, _ = ingest.ingest(raw)
    row = docs.set_index("source_path").loc["002_0000000000000002.txt"]
    assert row["text"] == data.decode()
    assert row["title"] == "Title line"


def test_same_text_twice_is_kept_once(raw: Path) -> None:
    write(raw, "009_0000000000000009.txt", GOOD.encode())
    write(raw, "010_000000000000000a.txt", GOOD.replace("\n", "\r\n").encode())
    docs, rejected = ingest.ingest(raw)
    assert list(docs["source_path"]) == ["001_0000000000000001.txt"]
    assert sorted(rejected["source_path"]) == [
        "009_0000000000000009.txt",
        "010_000000000000000a.txt",
    ]
    assert set(rejected["reason"]) == {
        "The same text is already in 001_0000000000000001.txt; it is kept once."
    }


def test_several_megabytes_are_read(raw: Path) -> None:
    body = ("Trade grew by 5% in 2020. " * 200 + "\n") * 700  # about 3.6 MB
    write(raw, "002_0000000000000002.txt", (" date 2021-01-01 Big\n" + body).encode())
    docs, rejected = ingest.ingest(raw)
    assert rejected.empty
    assert docs["n_chars"].max() > 3_000_000


def test_too_large_file_is_rejected(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "MAX_BYTES", 1000)
    write(raw, "002_0000000000000002.txt", (" date 2021-01-01 x\n" + "a" * 2000).encode())
    _, rejected = ingest.ingest(raw)
    assert rejected.iloc[0]["reason"] == "The file is larger than the 0 MiB limit for one document."


def test_hidden_files_are_ignored_and_order_is_stable(raw: Path) -> None:
    write(raw, ".DS_Store", b"\x00\x01")
    sub = raw / "2024"
    sub.mkdir()
    write(sub, "000_00000000000000ff.txt", GOOD.replace("2021", "2024").encode())
    docs, rejected = ingest.ingest(raw)
    assert rejected.empty
    assert list(docs["source_path"]) == [
        "001_0000000000000001.txt",
        "2024/000_00000000000000ff.txt",
    ]


def test_missing_raw_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="raw folder not found"):
        ingest.ingest(tmp_path / "nope")
