"""Every command shown in README.md runs as written (issue 14): the README cannot drift from what works.

The commands are read from the README's ``bash``/``sh``/``shell``/``console`` code blocks at test time,
so a command added to any section later is run too. Each block is one test, named after its first line
(``README.md:106``); its commands run in order in one ``bash`` from the project folder, so a block's
variables (``API=...``) and files (``book.json``) carry on as they would for a reader. A failing command
fails its test with its README line, the command and its output. Files the commands create in the project
folder are removed at the end of the session.

What the reader's shell has and a test's does not, supplied here and nowhere else:

- ``.venv/bin`` first on ``PATH`` (the reader activated the environment: ``. .venv/bin/activate``);
- the ports: the README shows the defaults (``127.0.0.1:8000``, ``:8265``, ``6380`` ...); when this
  machine's ``RISK_*_PORT`` settings differ, the default is replaced by the configured port.

A command that cannot run here carries a marker: an HTML comment (invisible on GitHub) on the lines just
before its block, naming the command's start in backticks and saying why:

``<!-- not run by tests: `ray up`: needs a cloud account and the nodes of ray_cluster.yaml -->``
    the command is not run (a marker without a backticked command covers the whole block);
``<!-- run by tests for 30 s, then Ctrl-C: `riskctl replay --rate`: replays forever by design -->``
    the command is started, must still run (or have ended well) after that many seconds, and is then
    interrupted with SIGINT (Ctrl-C) as a reader would.

Every block has a time limit (:data:`BLOCK_TIMEOUT_S`); the whole file takes ~10 minutes on two cores,
most of it ``make demo`` the first time and the batch jobs.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT, Settings

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.kafka, pytest.mark.ray, pytest.mark.slow]

README = PROJECT_ROOT / "README.md"
SHELL_BLOCKS = {"bash", "sh", "shell", "console"}
BLOCK_TIMEOUT_S = 1500
_NOT_RUN = re.compile(r"<!--\s*not run by tests:\s*(?:`(?P<prefix>[^`]+)`\s*:)?\s*(?P<why>.+?)\s*-->")
_TIMED = re.compile(
    r"<!--\s*run by tests for (?P<seconds>\d+) s, then Ctrl-C:\s*`(?P<prefix>[^`]+)`\s*:\s*(?P<why>.+?)\s*-->"
)
#: Settings whose default port the README shows.
_PORTS = ("serve_port", "ray_dashboard_port", "ray_gcs_port", "postgres_port", "redis_port", "kafka_port")


@dataclass(frozen=True)
class Command:
    line: int  # README line of the command's first line
    text: str  # as written, continuation lines included
    not_run: str = ""  # why it is not run
    timed_s: int = 0  # run this long, then Ctrl-C


@dataclass
class Block:
    line: int  # README line of the opening fence
    commands: list[Command] = field(default_factory=list)


def _complete(text: str) -> bool:
    """Whether ``text`` is a whole shell command (no open quote, no trailing backslash)."""
    if text.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return False
    return True


def _flat(text: str) -> str:
    """The command's words on one line, without its comment (what a marker's prefix is matched to)."""
    return " ".join(shlex.split(text.replace("\\\n", " "), comments=True))


def _markers(lines: list[str], fence: int) -> tuple[list[tuple[str, str]], list[tuple[str, int]]]:
    """(not run: [(prefix, why)], timed: [(prefix, seconds)]) from the comment lines just before line
    index ``fence`` (blank lines between them allowed)."""
    not_run: list[tuple[str, str]] = []
    timed: list[tuple[str, int]] = []
    k = fence - 1
    while k >= 0 and (lines[k].strip().startswith("<!--") or not lines[k].strip()):
        if match := _NOT_RUN.search(lines[k]):
            not_run.append((match["prefix"] or "", match["why"]))
        elif match := _TIMED.search(lines[k]):
            timed.append((match["prefix"], int(match["seconds"])))
        k -= 1
    return not_run, timed


def readme_blocks(path: Path = README) -> list[Block]:
    """The shell code blocks of the README with their commands and markers."""
    lines = path.read_text().splitlines()
    blocks: list[Block] = []
    k = 0
    while k < len(lines):
        fence = lines[k].strip()
        if not fence.startswith("```") or fence[3:].strip() not in SHELL_BLOCKS:
            k += 1
            continue
        not_run, timed = _markers(lines, k)
        block = Block(k + 1)
        pending: list[str] = []
        start = 0
        k += 1
        while k < len(lines) and not lines[k].strip().startswith("```"):
            if not pending:
                start = k + 1
            if pending or lines[k].strip():
                pending.append(lines[k])
            text = "\n".join(pending)
            if pending and _complete(text):
                flat = _flat(text)
                if flat:  # not a comment-only line
                    why = next((w for p, w in not_run if not p or flat.startswith(p)), "")
                    seconds = next((s for p, s in timed if flat.startswith(p)), 0)
                    block.commands.append(Command(start, text, why, seconds))
                pending = []
            k += 1
        assert not pending, f"README.md line {start}: the command never ends (open quote or trailing \\)"
        blocks.append(block)
        k += 1
    return blocks


def _ported(text: str, settings: Settings) -> str:
    """The README's default ports replaced by this machine's configured ones."""
    for name in _PORTS:
        default = Settings.model_fields[name].default
        configured = getattr(settings, name)
        if default != configured:
            text = re.sub(rf"(?<=127\.0\.0\.1:){default}\b", str(configured), text)
            text = re.sub(rf"(?<=localhost:){default}\b", str(configured), text)
            text = re.sub(rf"(?<=--port=){default}\b", str(configured), text)
    return text


def block_script(block: Block, settings: Settings) -> str:
    """One bash script for the block: each command announced (README line), then run as written."""
    out = [
        "set -eE -o pipefail",
        "trap 'echo \"README.md line $__line failed (exit $?): $__cmd\" >&2; exit 1' ERR",
    ]
    for command in block.commands:
        text = _ported(command.text, settings)
        out.append(f"__line={command.line}; __cmd={shlex.quote(command.text)}")
        if command.not_run:
            out.append(f": not run by tests: {shlex.quote(command.not_run)}")
        elif command.timed_s:
            # the command must still run (124: stopped by the timeout's Ctrl-C) or have ended well
            out.append(
                f"__rc=0; timeout -s INT -k 30 {command.timed_s} bash -c {shlex.quote(text)} || __rc=$?; "
                '[ "$__rc" -eq 0 ] || [ "$__rc" -eq 124 ]'
            )
        else:
            out.append(text)
    return "\n".join(out) + "\n"


def _untracked() -> set[str]:
    done = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.split())


@pytest.fixture(scope="module")
def readme_session(settings: Settings) -> Iterator[dict[str, str]]:
    """The reader's environment; afterwards, files the commands created are removed and the demo's Ray
    head and replay are stopped if they were not running before (the backing services stay up)."""
    from cluster.services import ServiceManager

    manager = ServiceManager(settings)
    running_before = {s.name for s in manager.status() if s.state == "running"}
    files_before = _untracked()
    venv_bin = str(Path(sys.executable).parent)
    env = os.environ | {"PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", os.defpath)])}
    yield env
    for name in _untracked() - files_before:
        (PROJECT_ROOT / name).unlink(missing_ok=True)
    started = [name for name in ("replay", "ray") if name not in running_before]
    if started:
        manager.down(started)


BLOCKS = readme_blocks()


def test_the_readme_has_commands_and_every_marker_names_one() -> None:
    commands = [c for b in BLOCKS for c in b.commands]
    assert len(commands) > 20 and any(c.text.startswith("make demo") for c in commands)
    lines = README.read_text().splitlines()
    for number, text in enumerate(lines, start=1):
        for match in (*_NOT_RUN.finditer(text), *_TIMED.finditer(text)):
            prefix = match["prefix"]
            if prefix:
                assert any(_flat(c.text).startswith(prefix) for c in commands), (
                    f"README.md line {number}: the marker names `{prefix}`, which no command starts with"
                )


def test_markers_are_read_and_commands_joined(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "text\n"
        "<!-- not run by tests: `ray up`: needs a cloud -->\n"
        "<!-- run by tests for 5 s, then Ctrl-C: `riskctl replay`: forever -->\n"
        "```bash\n"
        "ray up ray_cluster.yaml   # start\n"
        "# a comment line\n"
        "curl -s -d '{\n"
        '  "a": 1}\' \\\n'
        "    http://127.0.0.1:8000/x\n"
        "riskctl replay --loop\n"
        "```\n"
        "```\nnot a shell block\n```\n"
    )
    (block,) = readme_blocks(readme)
    assert [(c.line, bool(c.not_run), c.timed_s) for c in block.commands] == [
        (5, True, 0),
        (7, False, 0),
        (10, False, 5),
    ]
    assert block.commands[1].text.endswith("http://127.0.0.1:8000/x")
    settings = Settings(serve_port=21800)
    script = block_script(block, settings)
    assert "http://127.0.0.1:21800/x" in script and "__line=7;" in script
    failing = Block(1, [Command(3, "true"), Command(4, "false  # fails")])
    done = subprocess.run(["bash", "-c", block_script(failing, settings)], capture_output=True, text=True)
    assert done.returncode == 1 and "README.md line 4 failed (exit 1): false  # fails" in done.stderr


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md:{b.line}" for b in BLOCKS])
def test_readme_block_runs_as_written(
    block: Block, readme_session: dict[str, str], settings: Settings
) -> None:
    if all(c.not_run for c in block.commands):
        pytest.skip(
            "; ".join(f"README.md line {c.line}: not run by tests: {c.not_run}" for c in block.commands)
        )
    try:
        done = subprocess.run(
            ["bash", "-c", block_script(block, settings)],
            cwd=PROJECT_ROOT,
            env=readme_session,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"README.md block at line {block.line} did not end within {BLOCK_TIMEOUT_S} s: {exc}")
    tail = (done.stdout[-4000:] + "\n--- stderr ---\n" + done.stderr[-6000:]).strip()
    assert done.returncode == 0, tail
