"""Pack references for the authoring tools: a bundled name, a path, or ``git:REV:PATH``.

Names and paths are the library's pack references (``packs.loader.parse_pack_ref``, TEAM SD1),
loaded by ``packs.loader.load_pack``. ``git:REV:PATH``
(only here) is the pack directory ``PATH`` as it was at revision ``REV`` of the git repository
holding the current directory, ``PATH`` relative to the repository's top: the tree is extracted
with ``git archive`` into a temporary directory. When that pack ``extends`` a path (``../base``),
the base is extracted from the same revision too; a bundled name in ``extends`` still means the
installed bundled pack, as everywhere else.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from xueji_rules.errors import InputError, Location, PackError, Problem
from xueji_rules.packs.model import Pack

__all__ = ["LoadedPack", "open_pack"]

_GIT = re.compile(r"^git:(?P<rev>[^:]+):(?P<path>.+)$")
_MAX_ARCHIVE = 64 * 1024 * 1024  # a pack is a few hundred KB; refuse to unpack a whole monorepo


@dataclass(frozen=True, slots=True)
class LoadedPack:
    """A pack loaded for comparison or rendering, and how the user named it."""

    ref: str
    pack: Pack
    git_root: str | None = None  # the temporary directory a git: pack was extracted into
    git_rev: str | None = None

    def display(self, path: str) -> str:
        """How to show a file of this pack: ``git:REV:rel/path`` for an extracted one, else the
        path relative to the current directory (as given when it is outside it)."""
        if self.git_root is not None:
            try:
                rel = Path(path).resolve().relative_to(Path(self.git_root).resolve())
            except ValueError:
                return path
            return f"git:{self.git_rev}:{rel.as_posix()}"
        try:
            rel_text = os.path.relpath(path)
        except ValueError:
            return path
        return path if rel_text.startswith("..") else rel_text


def _git(args: list[str], cwd: Path, ref: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=120
        )
    except FileNotFoundError:
        raise InputError("git is not installed", Location(file=ref)) from None
    except subprocess.TimeoutExpired:
        raise InputError("git took too long", Location(file=ref)) from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(
            f"git {args[0]} failed: {why[-1] if why else 'exit ' + str(done.returncode)}",
            Location(file=ref),
        )
    return done.stdout


def _extract(top: Path, rev: str, path: PurePosixPath, into: Path, ref: str) -> Path:
    """Extract ``rev:path`` under ``into`` (keeping the path) and return the directory."""
    data = _git(["archive", "--format=tar", rev, "--", str(path)], top, ref)
    if len(data) > _MAX_ARCHIVE:
        raise InputError(f"{path} at {rev} is larger than 64 MB", Location(file=ref))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(into, filter="data")
    out = into / path
    if not (out / "pack.yaml").is_file():
        raise InputError(
            f"{path} at {rev} is not a pack directory (no pack.yaml)", Location(file=ref)
        )
    return out


def _extends(pack_dir: Path) -> str | None:
    from xueji_rules._yaml import load_yaml_file

    data = load_yaml_file(pack_dir / "pack.yaml", str(pack_dir / "pack.yaml")).data
    value = data.get("extends") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _from_git(ref: str, rev: str, path: str, workdir: Path) -> tuple[Path, str]:
    cwd = Path.cwd()
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd, ref).decode().strip())
    try:
        rev = (
            _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top, ref)
            .decode()
            .strip()
        )
    except InputError:
        raise InputError(
            f"no revision {rev!r} in the git repository {top}", Location(file=ref)
        ) from None
    clean = PurePosixPath(os.path.normpath(path.strip("/")))
    if clean.is_absolute() or ".." in clean.parts or str(clean) == ".":
        raise InputError("PATH must be a directory inside the repository", Location(file=ref))
    root = _extract(top, rev, clean, workdir, ref)
    current, current_path = root, clean
    for _ in range(8):  # follow path-written `extends` inside the same revision
        parent = _relative_base(_extends(current))
        if parent is None:
            break
        base = PurePosixPath(os.path.normpath(str(current_path / parent)))
        if ".." in base.parts:
            break
        if not (workdir / base / "pack.yaml").is_file():
            _extract(top, rev, base, workdir, ref)
        current, current_path = workdir / base, base
    return root, rev


def _relative_base(extends: str | None) -> PurePosixPath | None:
    """The base an ``extends`` names when it is a relative path (one the same revision can hold);
    ``None`` for a bundled name, an absolute or home path, or a reference that is not valid (the
    loader reports it)."""
    from xueji_rules.packs.loader import parse_pack_ref

    if extends is None:
        return None
    try:
        ref = parse_pack_ref(extends)
    except PackError:
        return None
    if ref.path is None or extends.startswith("~") or ref.path.is_absolute():
        return None
    return PurePosixPath(extends)


@contextlib.contextmanager
def open_pack(ref: str) -> Iterator[LoadedPack]:
    """Load the pack ``ref`` names; a ``git:`` pack lives in a temporary directory while the
    context is open. Bad references raise :class:`~xueji_rules.errors.InputError` or
    :class:`~xueji_rules.errors.PackError`."""
    from xueji_rules.packs.loader import load_pack

    match = _GIT.match(ref)
    if match is None:
        if ref.startswith("git:"):
            raise InputError(
                "write a git pack reference as git:REV:PATH, e.g. git:main:rulepacks/shanxi",
                Location(file=ref),
            )
        yield LoadedPack(ref, load_pack(ref))
        return
    workdir = Path(tempfile.mkdtemp(prefix="xueji-diff-"))
    try:
        root, _commit = _from_git(ref, match["rev"], match["path"], workdir)
        try:
            pack = load_pack(root)
        except PackError as exc:
            raise PackError(
                [Problem(f"{p.message} (in {ref})", p.location) for p in exc.problems]
            ) from None
        yield LoadedPack(ref, pack, str(workdir), match["rev"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
