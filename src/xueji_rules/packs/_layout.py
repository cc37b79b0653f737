"""Which files make up a pack directory, and reading them safely and within the pack's limits.

The layout is a table (:data:`PACK_FILES`): a new kind of pack file is one row here, one
``$defs`` entry in ``schemas/pack.schema.json`` and one handler in ``_reader.py``. Rows are read
in table order, so ``pack.yaml`` comes first.

Only names the table matches are read; other files in the folder are ignored, and so are names
that start with a dot (editor backups and lock files such as Emacs's ``.#rules.yaml``). Every file
read goes through :func:`xueji_rules._safeio.read_bytes` with the pack's folder as its root (a
symbolic link is followed only when it stays inside the folder) and with the pack's
:class:`~xueji_rules._safeio.Budget` (file count and total size over the pack and the packs it
extends). Scenario files (``tests/``) are listed but not read here.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from xueji_rules._safeio import (
    MAX_PACK_FILE_BYTES,
    Budget,
    describe_os_error,
    display_name,
    escape_controls,
    is_inside,
    read_bytes,
)
from xueji_rules.errors import Location, PackError, Problem

__all__ = ["PACK_FILES", "FileKind", "LayerFiles", "RawFile", "collect_layer"]

Role = Literal["parsed", "calendar", "scenario"]


@dataclass(frozen=True, slots=True)
class FileKind:
    """One kind of file in a pack directory.

    ``pattern`` is a file name (``pack.yaml``) or ``folder/*.yaml``; ``definition`` names the
    ``$defs`` entry of ``schema`` (``pack.schema.json`` unless said) the file is validated against
    and the reader's handler (``None`` for files another module reads); ``role`` says who reads it: the pack
    reader (``parsed``), the calendar (``calendar``) or the scenario runner (``scenario``).
    Files of the first two roles can change a decision: they are read at load time, count
    against the pack's limits and are part of :attr:`Pack.digest <xueji_rules.packs.Pack.digest>`.
    """

    pattern: str
    definition: str | None
    role: Role = "parsed"
    schema: str = "pack.schema.json"

    @property
    def in_digest(self) -> bool:
        """Whether files of this kind are read at load time and hashed into the digest."""
        return self.role != "scenario"


PACK_FILES: tuple[FileKind, ...] = (
    FileKind("pack.yaml", "pack_file"),
    FileKind("parameters.yaml", "parameters_file"),
    # the ids requests and rules use, with labels (SD4), and the pack's own input fields
    FileKind("vocabularies.yaml", "vocabularies_file"),
    FileKind("inputs.yaml", "inputs_file"),
    FileKind("lifecycle.yaml", "lifecycle_file"),
    FileKind("lifecycle/*.yaml", "lifecycle_file"),
    FileKind("articles/*.yaml", "articles_file"),
    FileKind("rules/*.yaml", "rules_file"),
    # the collection form, code lists, privacy and 学籍号 rules, read by xueji_rules.records
    FileKind("records/*.yaml", "records_file", schema="pack-records.schema.json"),
    FileKind("calendars/*.yaml", None, "calendar"),
    FileKind("tests/*.yaml", None, "scenario"),
)


@dataclass(frozen=True, slots=True)
class RawFile:
    """One file read from a pack directory: its kind, where it is, its bytes."""

    kind: FileKind
    relpath: str  # POSIX path inside the pack folder, e.g. "rules/transfer.yaml"
    path: Path
    display: str
    data: bytes

    @property
    def sha256(self) -> str:
        """The SHA-256 of the file's bytes, in hex."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class LayerFiles:
    """Everything read from one pack directory before it is parsed."""

    root: Path
    display_root: str
    budget: Budget
    files: list[RawFile] = field(default_factory=list)
    calendar_files: list[Path] = field(default_factory=list)
    scenario_files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def digest_lines(self) -> list[str]:
        """``<relpath> <sha256>`` for every file that can change a decision, sorted by path."""
        return sorted(f"{f.relpath} {f.sha256}" for f in self.files if f.kind.in_digest)

    def fingerprint(self) -> str:
        """The SHA-256 of :meth:`digest_lines`: equal for byte-identical layers."""
        return hashlib.sha256("\n".join(self.digest_lines()).encode()).hexdigest()


class _Collector:
    def __init__(self, root: Path, display_root: str, budget: Budget) -> None:
        self.root = root
        self.budget = budget
        self.out = LayerFiles(root=root, display_root=display_root, budget=budget)

    def display(self, relpath: str) -> str:
        return f"{self.out.display_root}/{escape_controls(relpath)}"

    def problem(self, message: str, relpath: str) -> None:
        self.out.problems.append(Problem(message, Location(file=self.display(relpath))))

    def folder(self, name: str) -> Path | None:
        """The subfolder ``name`` when it exists and stays inside the pack, else ``None``."""
        path = self.root / name
        try:
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode) and not is_inside(path, self.root):
                self.problem(
                    "a symbolic link to a folder outside the pack's folder; a pack reads only "
                    "files inside its own folder",
                    name,
                )
                return None
            return path if path.is_dir() else None
        except FileNotFoundError:
            if os.path.islink(path):
                self.problem(describe_os_error(FileNotFoundError(2, "")), name)
            return None
        except OSError as exc:
            self.problem(describe_os_error(exc), name)
            return None

    def names(self, folder: Path, glob: str, prefix: str) -> list[str]:
        """The names in ``folder`` matching ``glob``, sorted, dot-files left out, bounded."""
        found: list[str] = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith(".") or not fnmatch.fnmatchcase(entry.name, glob):
                        continue
                    found.append(entry.name)
                    if len(found) > self.budget.max_files:
                        self.problem(
                            f"more than {self.budget.max_files} files match {glob!r} (the limit "
                            "for a pack and the packs it extends)",
                            prefix.rstrip("/") or ".",
                        )
                        return []
        except OSError as exc:
            self.problem(describe_os_error(exc), prefix.rstrip("/") or ".")
            return []
        return sorted(found)

    def candidates(self, kind: FileKind) -> list[str]:
        """Relative paths of the files of ``kind`` in the pack directory."""
        folder_name, _, glob = kind.pattern.rpartition("/")
        if not folder_name:
            return [glob] if os.path.lexists(self.root / glob) else []
        folder = self.folder(folder_name)
        if folder is None:
            return []
        return [f"{folder_name}/{name}" for name in self.names(folder, glob, folder_name + "/")]

    def read(self, kind: FileKind, relpath: str) -> None:
        if not relpath.isprintable():
            self.problem("the file name contains control characters; rename the file", relpath)
            return
        path = self.root / relpath
        if kind.role == "scenario":
            self.out.scenario_files.append(path)
            return
        try:
            data = read_bytes(
                path,
                display=self.display(relpath),
                max_bytes=MAX_PACK_FILE_BYTES,
                root=self.root,
                budget=self.budget,
            )
        except PackError as exc:
            self.out.problems.extend(exc.problems)
            return
        self.out.files.append(RawFile(kind, relpath, path, self.display(relpath), data))
        if kind.role == "calendar":
            self.out.calendar_files.append(path)

    def run(self) -> LayerFiles:
        for kind in PACK_FILES:
            for relpath in self.candidates(kind):
                self.read(kind, relpath)
                if self.budget.exhausted:
                    return self.out
        if not any(f.relpath == "pack.yaml" for f in self.out.files) and not self.out.problems:
            self.out.problems.append(
                Problem("not a pack: pack.yaml is missing", Location(file=self.out.display_root))
            )
        return self.out


def collect_layer(
    root: Path, display_root: str | None = None, budget: Budget | None = None
) -> LayerFiles:
    """Every file of the pack directory ``root``, read safely; problems in ``.problems``."""
    shown = display_root if display_root is not None else display_name(root)
    return _Collector(root, shown, budget if budget is not None else Budget()).run()
