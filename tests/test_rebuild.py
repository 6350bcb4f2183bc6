"""`kzru rebuild` for schedulers: the lock, exit statuses, logs, retention, stale stages, and the
example scheduler files in docs/scheduling."""

from __future__ import annotations

import configparser
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from tiny_corpus import REPO, run_kzru, write_raw

from pipeline import lock, rebuild, release
from pipeline.cli import main
from pipeline.stages import publish

SCHEDULING = REPO / "docs" / "scheduling"


# --- the lock --------------------------------------------------------------------------------


def test_second_holder_is_turned_away_at_once(tmp_path: Path) -> None:
    with lock.acquire(tmp_path) as path:
        assert lock.is_locked(tmp_path)
        assert lock.holder(tmp_path) == os.getpid()
        # re-entrant in the holding process (build -> publish)
        with lock.acquire(tmp_path):
            pass
        assert lock.is_locked(tmp_path)
        code = (
            "import sys; from pathlib import Path; from pipeline import lock\n"
            "try:\n"
            f"    with lock.acquire(Path({str(tmp_path)!r})): sys.exit(0)\n"
            "except lock.Locked as err:\n"
            "    print(err); sys.exit(lock.EXIT_LOCKED)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 75
        assert proc.stdout.strip() == (
            f"another build holds the lock on {path} (pid {os.getpid()}); try later"
        )
    assert not lock.is_locked(tmp_path)
    assert (tmp_path / ".kzru.lock").exists()  # the file stays; the flock is what counts


def test_lock_of_a_killed_process_does_not_block(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from pipeline import lock\n"
        f"with lock.acquire(Path({str(tmp_path)!r})):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    assert lock.is_locked(tmp_path)
    assert lock.holder(tmp_path) == proc.pid
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not lock.is_locked(tmp_path)
    with lock.acquire(tmp_path):
        assert lock.holder(tmp_path) == os.getpid()


@pytest.mark.slow
def test_rebuild_while_locked_exits_75_with_a_clear_message(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_raw(raw, ["trade"])
    with lock.acquire(out) as path:
        began = time.monotonic()
        proc = run_kzru("rebuild", "--raw", str(raw), "--out", str(out))
        waited = time.monotonic() - began
    assert proc.returncode == 75
    assert proc.stderr.strip().splitlines()[-1] == (
        f"kzru: another build holds the lock on {path} (pid {os.getpid()}); try later"
    )
    assert waited < 60  # it did not wait for the lock
    assert not (out / "releases").exists()
    assert not (out / "stages").exists()


# --- builds ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_rebuild_logs_one_line_per_stage_and_says_when_nothing_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_raw(raw, ["trade", "visit"])
    caplog.set_level(logging.INFO)
    assert main(["rebuild", "--raw", str(raw), "--out", str(out)]) == 0
    first = capsys.readouterr().out.splitlines()
    version = release.latest_version(out)
    assert version is not None
    assert first == [f"published release {version}", str(out / "releases" / version)]
    messages = [r.getMessage() for r in caplog.records]
    for stage, pattern in [
        ("ingest", r"^ingest documents=2 rejected=0$"),
        ("parse", r"^parse sentences=\d+$"),
        ("extract", r"^extract statistics=\d+ events=\d+ institutions=\d+ "),
        ("cache", r"^cache documents=2 extracted=2 cached=0 unused_removed=0$"),
        ("validate", r"^validate ok documents=2 "),
        ("publish", rf"^publish release={re.escape(version)} since=None documents=\+2/-0/~0 "),
        ("done", rf"^done release={re.escape(version)} new seconds="),
    ]:
        lines = [m for m in messages if m.startswith(f"{stage} ")]
        assert len(lines) == 1, (stage, messages)
        assert re.match(pattern, lines[0]), lines[0]

    caplog.clear()
    assert main(["rebuild", "--raw", str(raw), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"nothing changed since release {version}; nothing published",
        str(out / "releases" / version),
    ]
    messages = [r.getMessage() for r in caplog.records]
    assert "cache documents=2 extracted=0 cached=2 unused_removed=0" in messages
    assert "publish nothing changed since " + version in messages
    assert release.list_versions(out) == [version]


@pytest.mark.slow
def test_keep_removes_the_oldest_releases(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    paths = write_raw(raw, ["trade"])
    versions = []
    for key in ["visit", "culture", "forum"]:
        rebuild.run(raw, out, cache_dir=out / "cache", today=date(2026, 4, 1))
        versions.append(release.latest_version(out))
        paths += write_raw(raw, [key])
    result = rebuild.run(raw, out, cache_dir=out / "cache", keep=2, today=date(2026, 4, 1))
    assert versions == ["2026.04.01", "2026.04.01.2", "2026.04.01.3"]
    assert result.published.version == "2026.04.01.4"
    assert release.list_versions(out) == ["2026.04.01.3", "2026.04.01.4"]
    assert release.latest_version(out) == "2026.04.01.4"
    # retention also applies when nothing changed; `latest` is never removed
    proc = run_kzru("rebuild", "--raw", str(raw), "--out", str(out), "--keep", "1")
    assert proc.returncode == 0, proc.stderr
    assert "nothing changed since release 2026.04.01.4" in proc.stdout
    assert release.list_versions(out) == ["2026.04.01.4"]
    assert release.verify(out / "latest") == []


@pytest.mark.slow
def test_usage_errors_exit_2(tmp_path: Path) -> None:
    proc = run_kzru("rebuild", "--raw", str(tmp_path), "--out", str(tmp_path), "--keep", "0")
    assert proc.returncode == 2
    assert "must be at least 1" in proc.stderr


@pytest.mark.slow
def test_failure_exits_1_and_publishes_nothing(tmp_path: Path) -> None:
    proc = run_kzru("rebuild", "--raw", str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"kzru: raw folder not found: {tmp_path / 'missing'}"


# --- stage files: a half-finished build is detectably stale ----------------------------------


@pytest.mark.slow
def test_publish_refuses_tables_written_after_validation(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_raw(raw, ["trade", "visit"])
    rebuild.run(raw, out, today=date(2026, 5, 1))
    stages = rebuild.stage_dir(out)
    report = json.loads((stages / "validation.json").read_text("utf-8"))
    assert report["ok"]
    # a later build rewrote a table and was killed before validating it
    table = stages / "statistics.parquet"
    later = (stages / "validation.json").stat().st_mtime + 5
    os.utime(table, (later, later))
    with pytest.raises(publish.NotValidated, match=r"statistics\.parquet changed after validation"):
        publish.run(stages, out)
    # a build marks its stage folder unvalidated before it rewrites anything
    rebuild.invalidate(stages)
    with pytest.raises(publish.NotValidated, match=r"validation\.json not found"):
        publish.run(stages, out)
    assert release.list_versions(out) == ["2026.05.01"]


# --- scheduler files -------------------------------------------------------------------------

CRON_FIELD = re.compile(r"^(\*|\d+)(-\d+)?(/\d+)?(,(\d+)(-\d+)?)*$")


def _cron_ok(expr: str) -> bool:
    fields = expr.split()
    return len(fields) == 5 and all(CRON_FIELD.match(f) for f in fields)


def test_cron_line() -> None:
    lines = [
        line
        for line in (SCHEDULING / "kzru-rebuild.cron").read_text("utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert _cron_ok(" ".join(fields[:5]))
    assert "kzru rebuild" in fields[5] and "--out" in fields[5]


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((SCHEDULING / name).read_text("utf-8"))
    return parser


def test_systemd_service_and_timer() -> None:
    service = _unit("kzru-rebuild.service")
    assert service["Service"]["Type"] == "oneshot"
    exec_start = service["Service"]["ExecStart"].split()
    assert exec_start[0].startswith("/") and exec_start[0].endswith("/kzru")
    assert exec_start[1] == "rebuild"
    assert "75" in service["Service"]["SuccessExitStatus"].split()
    timer = _unit("kzru-rebuild.timer")
    assert timer["Timer"]["Unit"] == "kzru-rebuild.service"
    assert timer["Timer"]["OnCalendar"]
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_github_workflow_runs_on_a_schedule() -> None:
    workflow = yaml.safe_load((SCHEDULING / "github-workflow.yml").read_text("utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    crons = [entry["cron"] for entry in triggers["schedule"]]
    assert crons and all(_cron_ok(c) for c in crons)
    steps = workflow["jobs"]["rebuild"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "kzru rebuild" in runs
    assert workflow["concurrency"]["cancel-in-progress"] is False
