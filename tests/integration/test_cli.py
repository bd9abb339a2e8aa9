"""The hdh command as an operator uses it: summaries, --json, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HDH = [sys.executable, "-m", "healthdatahub.cli"]


def run_hdh(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HDH_")}
    full_env.update(env or {})
    return subprocess.run([*HDH, *args], check=False, cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=300)


def assert_one_clear_sentence(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    message = " ".join(proc.stderr.split())
    for fragment in fragments:
        assert fragment in message, message


def test_version_json(tmp_path):
    proc = run_hdh("version", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["details"]["version"]


def test_corrupted_settings_file(tmp_path):
    (tmp_path / "hdh.toml").write_text("engine = [unclosed\n")
    proc = run_hdh("db", "upgrade", cwd=tmp_path)
    assert_one_clear_sentence(proc, "hdh.toml is not valid TOML")
    assert proc.returncode == 2


@pytest.mark.parametrize("n", ["-5", "0", "999999999999"])
def test_synth_refuses_absurd_sizes(tmp_path, n):
    proc = run_hdh("synth", "--beneficiaries", n, "--out", str(tmp_path / "x"), cwd=tmp_path)
    assert_one_clear_sentence(proc, "beneficiaries")
    assert not (tmp_path / "x").exists()


def test_synth_refuses_unwritable_dir(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "file").write_text("not a folder")
    proc = run_hdh("synth", "-n", "10", "--out", str(locked / "file" / "out"), cwd=tmp_path)
    assert_one_clear_sentence(proc)


def test_synth_refuses_unknown_format(tmp_path):
    proc = run_hdh("synth", "-n", "10", "--format", "xlsx", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert_one_clear_sentence(proc, "xlsx")


def test_demo_runs_and_is_idempotent(tmp_path):
    env = {"HDH_DATA_DIR": str(tmp_path / "data")}
    first = run_hdh("demo", "-n", "300", "--no-serve", "--json", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["counts"]["IR_BEN_R"] >= 300
    second = run_hdh("demo", "-n", "300", "--no-serve", "--json", cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["counts"] == report["counts"]
    assert again["details"]["extraction"] == "reused"
    jobs = run_hdh("jobs", "list", "--json", cwd=tmp_path, env=env)
    assert jobs.returncode == 0, jobs.stderr
    states = [j["state"] for j in json.loads(jobs.stdout)["jobs"]]
    assert states and all(s == "succeeded" for s in states)


def test_synth_killed_leaves_nothing_visible_and_reruns(tmp_path):
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("HDH_")}
    env["HDH_DATA_DIR"] = str(tmp_path / "data")
    target = tmp_path / "deliveries" / "ext"
    proc = subprocess.Popen([*HDH, "synth", "-n", "300000", "--out", str(target), "--json"],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            p.name.startswith(".tmp-") for p in target.parent.glob(".*")):
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert not target.exists()
    assert any(p.name.startswith(".tmp-") for p in target.parent.iterdir())

    rerun = run_hdh("synth", "-n", "200", "--out", str(target), "--json", cwd=tmp_path,
                    env={"HDH_DATA_DIR": str(tmp_path / "data")})
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(p.name for p in target.parent.iterdir()) == ["ext"]
    jobs = json.loads(run_hdh("jobs", "list", "--json", cwd=tmp_path,
                              env={"HDH_DATA_DIR": str(tmp_path / "data")}).stdout)["jobs"]
    assert [j["state"] for j in jobs] == ["succeeded", "interrupted"]
