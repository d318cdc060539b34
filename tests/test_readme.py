"""Every `snakemake ...` and `make ...` command the README and docs/*.md show runs as written.

The commands are collected from the code blocks of README.md and of every hand-written page in
docs/ (continuation lines joined, comments dropped) and from inline code that starts with
`snakemake`; docs/results.md is left out because `make docs` generates it. Each command runs once
as a dry run (commands that differ only in `.venv/bin/` or whitespace count as one), with `-n`
inserted right after the program name, so a flag that swallows the words after it
(`--configfile`) breaks the test exactly as it would break the user's command. UCF101 and the
README's own `mine.yaml` point at small fake datasets the test makes.
"""

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.workflow.conftest import PROJECT, SNAKEMAKE, copy_project, fake_ucf101

README = PROJECT / "README.md"
DOCS = PROJECT / "docs"
GENERATED = {"results.md"}  # written by `make docs` (scripts/render_docs.py), not by hand
# Pages the README links to; each must exist, and the family pages must show commands.
PAGES = (
    "sps.md",
    "tda.md",
    "l2a.md",
    "avd.md",
    "cluster.md",
    "reproducibility.md",
    "troubleshooting.md",
    "benchmarks.md",
    "architecture.md",
    "comparison.md",
    "splits.md",
)
FAMILY_PAGES = ("sps.md", "tda.md", "l2a.md", "avd.md")
PROGRAM = re.compile(r"^((?:[A-Z_]+=\S+\s+)*)((?:\.venv/bin/)?(?:snakemake|make))(\s.*)?$")


def doc_files() -> list[Path]:
    """README.md, then the hand-written docs/*.md pages in name order."""
    pages = sorted(p for p in DOCS.glob("*.md") if p.name not in GENERATED)
    return [README, *pages]


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


def commands_in(text: str) -> list[str]:
    """The `snakemake`/`make` command lines of one Markdown text, in order, duplicates kept."""
    commands = []
    for block in _shell_blocks(text):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if PROGRAM.match(line):
                commands.append(" ".join(line.split()))
    for code in re.findall(r"`((?:\.venv/bin/)?snakemake [^`]+)`", text):
        if not re.search(r"\b[A-Z]{3,}\b|\.\.\.|…", code):  # placeholders: TARGET, …
            commands.append(" ".join(code.split()))
    return commands


def _key(command: str) -> str:
    """Commands that run the same dry run: `.venv/bin/snakemake X` and `snakemake X` are one."""
    return re.sub(r"(^|\s)\.venv/bin/(snakemake|make)\b", r"\1\2", command)


def doc_commands() -> dict[str, list[str]]:
    """Each distinct command (first spelling seen) -> the files that show it."""
    found: dict[str, tuple[str, list[str]]] = {}
    for path in doc_files():
        for command in commands_in(path.read_text(encoding="utf-8")):
            first, where = found.setdefault(_key(command), (command, []))
            if path.name not in where:
                where.append(path.name)
    return {command: where for command, where in found.values()}


SOURCES = doc_commands()
COMMANDS = list(SOURCES)
README_COMMANDS = commands_in(README.read_text(encoding="utf-8"))


def test_the_readme_shows_commands():
    assert "make run" in README_COMMANDS and "make test" in README_COMMANDS
    assert any("--configfile" in c for c in README_COMMANDS)
    assert len(README_COMMANDS) >= 6


def test_the_docs_exist_and_show_commands():
    missing = [name for name in PAGES if not (DOCS / name).is_file()]
    assert not missing, f"README links to docs pages that do not exist: {missing}"
    for name in FAMILY_PAGES:
        assert commands_in((DOCS / name).read_text(encoding="utf-8")), (
            f"docs/{name} shows no command"
        )
    from_docs = [c for c, where in SOURCES.items() if where != ["README.md"]]
    assert len(from_docs) >= 10, from_docs
    assert len(COMMANDS) == len({_key(c) for c in COMMANDS})  # each dry run once


def _kitchen_yaml() -> str:
    for path in doc_files():
        match = re.search(r"```yaml\n(.*?kitchen.*?)```", path.read_text(encoding="utf-8"), re.S)
        if match:
            return match.group(1)
    raise AssertionError("no `mine.yaml` (kitchen) example in README.md or docs/")


@pytest.fixture(scope="module")
def readme_project(tmp_path_factory, tiny_video):
    """A project copy with fake UCF101 and the README's `mine.yaml` (kitchen) dataset."""
    workdir = copy_project(tmp_path_factory.mktemp("readme"))
    fake_ucf101(workdir / "data" / "UCF101", tiny_video, splits=(1, 2, 3))
    kitchen = workdir / "kitchen"
    for cls in ("Cut", "Stir"):
        (kitchen / cls).mkdir(parents=True)
        for i in range(4):
            shutil.copy(tiny_video, kitchen / cls / f"{cls}_{i}.mp4")
    (workdir / "mine.yaml").write_text(_kitchen_yaml().replace("/data/kitchen", str(kitchen)))
    # the paper preset's ImageNet weights, as a user who downloaded them has them (the DAG build
    # checks for the file: videoaug.models.weight_preflight)
    from videoaug.models.weight_preflight import write_random_weights

    previous = os.environ.get("TORCH_HOME")
    os.environ["TORCH_HOME"] = str(workdir / "torch")
    try:
        write_random_weights("resnet50", "imagenet")
    finally:
        if previous is None:
            os.environ.pop("TORCH_HOME")
        else:
            os.environ["TORCH_HOME"] = previous
    return workdir


def _brace_expand(word: str) -> list[str]:
    """The shell's brace expansion of one word (``a_s{0,1}.json`` -> two words)."""
    match = re.search(r"\{([^{}]*,[^{}]*)\}", word)
    if match is None:
        return [word]
    head, tail = word[: match.start()], word[match.end() :]
    return [w for part in match.group(1).split(",") for w in _brace_expand(head + part + tail)]


def dry_run(command: str, project: Path) -> subprocess.CompletedProcess:
    assignments, program, rest = PROGRAM.match(command).groups()
    env = dict(os.environ, VIDEOAUG_PROGRESS="0", TORCH_HOME=str(project / "torch"))
    env.update(dict(a.split("=", 1) for a in shlex.split(assignments or "")))
    args = [word for arg in shlex.split(rest or "") for word in _brace_expand(arg)]
    if program.split("/")[-1] == "make":
        cmd, cwd = ["make", "-n", *args], PROJECT
    else:
        cmd, cwd = [SNAKEMAKE, "-n", *args], project
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_a_broken_command_fails(readme_project):
    """The check can fail: a target after --configfile is read as a config file."""
    proc = dry_run(
        "snakemake --cores 2 --configfile mine.yaml results/kitchen_sps.json", readme_project
    )
    assert proc.returncode != 0


@pytest.fixture(scope="module")
def dry_runs(readme_project) -> dict[str, subprocess.CompletedProcess]:
    """Every command's dry run, one per core at a time: each is a separate Snakemake process
    (~3 s of one core), so they run side by side and the tests below read their outcome."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        procs = pool.map(lambda command: dry_run(command, readme_project), COMMANDS)
        return dict(zip(COMMANDS, procs, strict=True))


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs_as_written(command, dry_runs):
    proc = dry_runs[command]
    where = ", ".join(SOURCES[command])
    assert proc.returncode == 0, (
        f"{command} ({where})\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
