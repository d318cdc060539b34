"""Every `snakemake ...` and `make ...` command the README shows runs as written (dry runs).

The commands are collected from the README's code blocks (continuation lines joined, comments
dropped) and from inline code that starts with `snakemake`; each runs with `-n` inserted right
after the program name, so a flag that swallows the words after it (`--configfile`) breaks the
test exactly as it would break the user's command. UCF101 and the README's own `mine.yaml` point
at small fake datasets the test makes.
"""

import os
import re
import shlex
import shutil
import subprocess

import pytest

from tests.workflow.conftest import PROJECT, SNAKEMAKE, copy_project, fake_ucf101

README = PROJECT / "README.md"
PROGRAM = re.compile(r"^((?:[A-Z_]+=\S+\s+)*)((?:\.venv/bin/)?(?:snakemake|make))(\s.*)?$")


def _shell_blocks(text: str) -> list[str]:
    """The bodies of the ```bash / ```sh / plain ``` fenced blocks, fences paired line by line."""
    blocks, body, language = [], None, None
    for line in text.splitlines():
        if line.startswith("```"):
            if body is None:
                body, language = [], line[3:].strip()
            else:
                if language in ("", "bash", "sh", "console"):
                    blocks.append("\n".join(body) + "\n")
                body = None
        elif body is not None:
            body.append(line)
    return blocks


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    commands = []
    for block in _shell_blocks(text):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if PROGRAM.match(line):
                commands.append(" ".join(line.split()))
    for code in re.findall(r"`((?:\.venv/bin/)?snakemake [^`]+)`", text):
        if not re.search(r"\b[A-Z]{3,}\b|\.\.\.|…", code):  # placeholders: TARGET, …
            commands.append(" ".join(code.split()))
    return list(dict.fromkeys(commands))


COMMANDS = readme_commands()


def test_the_readme_shows_commands():
    assert any("--configfile" in c for c in COMMANDS)
    assert any(c.startswith("make run") for c in COMMANDS)
    assert len(COMMANDS) >= 8


@pytest.fixture(scope="module")
def readme_project(tmp_path_factory, tiny_video):
    """A project copy with fake UCF101 and the README's `mine.yaml` (kitchen) dataset."""
    workdir = copy_project(tmp_path_factory.mktemp("readme"))
    fake_ucf101(workdir / "data" / "UCF101", tiny_video, splits=(1, 2, 3))
    mine = re.search(r"```yaml\n(.*?kitchen.*?)```", README.read_text(), re.S).group(1)
    kitchen = workdir / "kitchen"
    for cls in ("Cut", "Stir"):
        (kitchen / cls).mkdir(parents=True)
        for i in range(4):
            shutil.copy(tiny_video, kitchen / cls / f"{cls}_{i}.mp4")
    (workdir / "mine.yaml").write_text(mine.replace("/data/kitchen", str(kitchen)))
    return workdir


def _brace_expand(word: str) -> list[str]:
    """The shell's brace expansion of one word (``a_s{0,1}.json`` -> two words)."""
    match = re.search(r"\{([^{}]*,[^{}]*)\}", word)
    if match is None:
        return [word]
    head, tail = word[: match.start()], word[match.end() :]
    return [w for part in match.group(1).split(",") for w in _brace_expand(head + part + tail)]


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs_as_written(command, readme_project):
    assignments, program, rest = PROGRAM.match(command).groups()
    env = dict(os.environ, VIDEOAUG_PROGRESS="0")
    env.update(dict(a.split("=", 1) for a in shlex.split(assignments or "")))
    args = [word for arg in shlex.split(rest or "") for word in _brace_expand(arg)]
    if program.split("/")[-1] == "make":
        cmd, cwd = ["make", "-n", *args], PROJECT
    else:
        cmd, cwd = [SNAKEMAKE, "-n", *args], readme_project
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
