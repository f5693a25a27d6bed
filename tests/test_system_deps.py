"""scripts/system-deps.sh on a bare machine: fake apt-get / sudo / id record what they are asked.

PATH holds only the fakes (and `env`/`true`, which sudo needs to run its command), so bedtools
and chromium are missing unless a case puts fakes of them there too.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "system-deps.sh"
BASH = shutil.which("bash") or "/bin/bash"


def _exe(path: Path, body: str) -> None:
    path.write_text("#!" + BASH + "\n" + body)
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path):
    """A fake machine: returns run(uid=..., sudo=..., apt=..., present=(), tools=()) -> (rc, stderr, log)."""

    def run(uid: int, sudo: bool = False, apt: bool = True, present: tuple[str, ...] = (),
            tools: tuple[str, ...] = (), apt_fails: bool = False, python: str | None = None):
        bin_dir = tmp_path / f"bin-{uid}-{sudo}-{apt}-{'-'.join(present)}-{'-'.join(tools)}-{apt_fails}"
        bin_dir.mkdir()
        log = tmp_path / f"{bin_dir.name}.log"
        log.write_text("")
        for tool in ("env", "true"):
            os.symlink(shutil.which(tool), bin_dir / tool)
        _exe(bin_dir / "id", f'[ "$1" = -u ] && echo {uid}\n')
        if apt:
            _exe(bin_dir / "apt-get",
                 f'echo "apt-get $* [DEBIAN_FRONTEND=${{DEBIAN_FRONTEND:-}}]" >> "{log}"\n'
                 + ("exit 100\n" if apt_fails else ""))
        if sudo:
            _exe(bin_dir / "sudo", f'echo "sudo $*" >> "{log}"\n[ "$1" = -n ] && shift\nexec "$@"\n')
        for tool in present:
            _exe(bin_dir / tool, "exit 0\n")
        env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
        if python:
            env["PYTHON"] = python
        proc = subprocess.run([BASH, str(SCRIPT), *tools], env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=30)
        return proc.returncode, proc.stderr, log.read_text().splitlines()

    return run


def test_root_runs_apt_get_directly(machine):
    rc, err, log = machine(uid=0)
    assert rc == 0, err
    assert log == [
        "apt-get update -qq [DEBIAN_FRONTEND=noninteractive]",
        "apt-get install -y -qq bedtools chromium [DEBIAN_FRONTEND=noninteractive]",
    ]


def test_user_with_sudo_goes_through_sudo(machine):
    rc, err, log = machine(uid=1000, sudo=True)
    assert rc == 0, err
    assert log == [
        "sudo -n true",
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        "apt-get update -qq [DEBIAN_FRONTEND=noninteractive]",
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bedtools chromium",
        "apt-get install -y -qq bedtools chromium [DEBIAN_FRONTEND=noninteractive]",
    ]


def test_user_without_root_or_sudo_gets_one_line(machine):
    rc, err, log = machine(uid=1000, sudo=False)
    assert rc == 1
    assert log == []
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "missing bedtools chromium" in lines[0]
    assert "apt-get update && apt-get install -y bedtools chromium" in lines[0]


def test_no_apt_gets_one_line(machine):
    rc, err, log = machine(uid=0, apt=False)
    assert rc == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "no apt-get" in lines[0] and "bedtools chromium" in lines[0]


def test_apt_failure_names_the_command(machine):
    rc, err, log = machine(uid=0, apt_fails=True)
    assert rc == 1
    assert log == ["apt-get update -qq [DEBIAN_FRONTEND=noninteractive]"]
    assert err.strip().splitlines()[-1].endswith("Run as root: apt-get update && apt-get install -y bedtools chromium")


def test_nothing_is_called_when_tools_are_present(machine):
    rc, err, log = machine(uid=1000, sudo=True, present=("bedtools", "chromium"))
    assert (rc, err, log) == (0, "", [])


def test_only_missing_tools_are_installed(machine):
    rc, err, log = machine(uid=0, present=("bedtools", "chromium"), tools=("bedtools", "chromium", "shellcheck"))
    assert rc == 0, err
    assert log[-1] == "apt-get install -y -qq shellcheck [DEBIAN_FRONTEND=noninteractive]"


def test_missing_venv_module_installs_the_versioned_package(machine, tmp_path):
    fake_python = tmp_path / "python-without-ensurepip"
    _exe(fake_python, 'case "$2" in *ensurepip*) exit 1;; *) echo 3.11;; esac\n')
    rc, err, log = machine(uid=0, tools=("venv",), python=str(fake_python))
    assert rc == 0, err
    assert log[-1] == "apt-get install -y -qq python3.11-venv [DEBIAN_FRONTEND=noninteractive]"


def test_unknown_tool_is_refused(machine):
    rc, err, _ = machine(uid=0, tools=("nope",))
    assert rc == 2 and "unknown tool 'nope'" in err


def test_shellcheck_clean():
    exe = shutil.which("shellcheck")
    assert exe, "shellcheck is not installed: `make test` installs it (scripts/system-deps.sh shellcheck)"
    files = sorted(str(p) for p in (ROOT / "scripts").glob("*.sh")) + [str(ROOT / ".ci" / "run")]
    files += sorted(str(p) for p in (ROOT / "benchmarks").glob("*.sh"))
    proc = subprocess.run([exe, "--severity=info", *files], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _make(tmp_path: Path, python: str, fakes: dict[str, str]) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    for name, body in fakes.items():
        _exe(bin_dir / name, body)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run(["make", "-s", "-C", str(ROOT), "install", f"VENV={tmp_path / 'venv'}",
                           f"PYTHON={python}"], env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_names_a_missing_python(tmp_path):
    proc = _make(tmp_path, "python3-does-not-exist", {})
    assert proc.returncode != 0
    assert "make: python3-does-not-exist not found; install Python >= 3.10" in proc.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_names_missing_python3_venv_without_root(tmp_path):
    real = shutil.which("python3")
    fake_python = tmp_path / "python3-no-ensurepip"
    _exe(fake_python, f'case "$*" in *ensurepip*) exit 1;; esac\nexec {real} "$@"\n')
    proc = _make(tmp_path, str(fake_python), {"id": 'echo 1000\n', "sudo": "exit 1\n",
                                              "apt-get": f'echo "$*" >> "{tmp_path}/apt.log"\n'})
    assert proc.returncode != 0
    ver = subprocess.run([real, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True).stdout.strip()
    assert (f"system-deps: missing python{ver}-venv; installing them needs root or sudo. "
            f"Ask an admin to run: apt-get update && apt-get install -y python{ver}-venv") in proc.stderr
    assert not (tmp_path / "venv").exists() and not (tmp_path / "apt.log").exists()
