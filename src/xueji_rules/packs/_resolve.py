"""Pack references (SD1): a bundled name always means the bundled pack; a folder is a path.

A reference is

* a **bundled name**: matches ``^[a-z][a-z0-9_]*$`` (``shanxi``), or is written ``bundled:NAME``.
  It names a pack shipped with the library and nothing else: a folder called ``shanxi`` in the
  current directory, or beside the pack that says ``extends: shanxi``, is never used for it;
* a **path**: an ``os.PathLike``, or text that contains ``/`` (or the platform's separator),
  starts with ``.`` or ``~``, or is absolute (``./shanxi``, ``../national``, ``/srv/packs/x``,
  ``~/drafts/x``). A relative path is taken from ``relative_to`` when given (the folder of the
  pack whose ``extends`` names it; the folder of the scenario file whose ``pack:`` names it),
  else from the current directory.

Anything else (``Shanxi``, ``my-pack``) is an error that says how to write a path, and so are an
empty reference, a NUL character and a reference longer than :data:`MAX_REF_CHARS`.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from xueji_rules._resources import packs_root
from xueji_rules._safeio import describe_os_error, excerpt
from xueji_rules.errors import Location, PackError, Problem

__all__ = [
    "BUNDLED_NAME",
    "MAX_REF_CHARS",
    "PackRef",
    "bundled_packs",
    "parse_pack_ref",
    "resolve_pack_dir",
]

BUNDLED_NAME = re.compile(r"[a-z][a-z0-9_]*")
BUNDLED_PREFIX = "bundled:"
MAX_REF_CHARS = 1024


@dataclass(frozen=True, slots=True)
class PackRef:
    """A parsed pack reference: exactly one of ``bundled`` (a name) and ``path`` is set."""

    text: str
    bundled: str | None = None
    path: Path | None = None


def bundled_packs() -> list[str]:
    """Names of the packs shipped with the library."""
    root = packs_root()
    return (
        sorted(
            p.name
            for p in root.iterdir()
            if BUNDLED_NAME.fullmatch(p.name) and (p / "pack.yaml").is_file()
        )
        if root.is_dir()
        else []
    )


def _fail(message: str, where: Location | None, shown: str) -> PackError:
    # the message names the reference itself (``shown``), so the default location is empty
    del shown
    return PackError([Problem(message, where or Location())])


def parse_pack_ref(ref: str | os.PathLike[str], where: Location | None = None) -> PackRef:
    """Tell a bundled name from a path (see the module docstring); raise :class:`PackError`.

    ``where`` is the location a problem is reported at (default: the reference itself).
    """
    if not isinstance(ref, str):
        text = os.fsdecode(os.fspath(ref))
        shown = excerpt(text)
        if "\0" in text:
            raise _fail("the pack path contains a NUL character", where, shown)
        return PackRef(text, path=Path(text))
    shown = excerpt(ref)
    if not ref:
        raise _fail("an empty pack reference: give a bundled pack name or a path", where, shown)
    if "\0" in ref:
        raise _fail(f"the pack reference {shown} contains a NUL character", where, shown)
    if len(ref) > MAX_REF_CHARS:
        raise _fail(
            f"the pack reference {shown} is longer than {MAX_REF_CHARS} characters", where, shown
        )
    if ref.startswith(BUNDLED_PREFIX):
        name = ref[len(BUNDLED_PREFIX) :]
        if not BUNDLED_NAME.fullmatch(name):
            raise _fail(
                f"{shown}: a bundled pack name is lower-case letters, digits and '_'",
                where,
                shown,
            )
        return PackRef(ref, bundled=name)
    if BUNDLED_NAME.fullmatch(ref):
        return PackRef(ref, bundled=ref)
    if "/" in ref or os.sep in ref or ref.startswith((".", "~")) or os.path.isabs(ref):
        return PackRef(ref, path=Path(ref).expanduser())
    raise _fail(
        f"{shown} is neither a bundled pack name (lower-case letters, digits and '_') nor a "
        f"path; write a directory as a path, e.g. {excerpt('./' + ref)}",
        where,
        shown,
    )


def _bundled_dir(name: str, where: Location | None, shown: str) -> Path:
    path = packs_root() / name
    try:
        if (path / "pack.yaml").is_file():
            return path
    except OSError:  # a name longer than the file system allows
        pass
    known = bundled_packs()
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise _fail(
        f"no pack named {shown}{hint} (bundled packs: {', '.join(known) or 'none'}); "
        f"a pack directory must be written as a path, e.g. {excerpt('./' + name)}",
        where,
        shown,
    )


def resolve_pack_dir(
    ref: str | os.PathLike[str],
    relative_to: str | os.PathLike[str] | None = None,
    *,
    where: Location | None = None,
) -> Path:
    """The directory of the pack ``ref`` names (absolute, links resolved).

    A bundled name is looked up among the bundled packs only. A relative path is taken from
    ``relative_to`` (a folder) when given, else from the current directory. Raises
    :class:`PackError` (at ``where``, default the reference) when there is no pack there.
    """
    parsed = parse_pack_ref(ref, where)
    shown = excerpt(parsed.text)
    if parsed.bundled is not None:
        return _bundled_dir(parsed.bundled, where, shown)
    assert parsed.path is not None
    path = parsed.path
    if relative_to is not None and not path.is_absolute():
        path = Path(relative_to) / path
    try:
        resolved = path.resolve(strict=True)
    except OSError as exc:
        raise _fail(f"no pack at {shown}: {describe_os_error(exc)}", where, shown) from None
    except (RuntimeError, ValueError):  # a link loop (Python < 3.13), an invalid name
        raise _fail(f"no pack at {shown}: a symbolic link loop", where, shown) from None
    if not resolved.is_dir():
        raise _fail(f"no pack at {shown}: not a directory", where, shown)
    if not (resolved / "pack.yaml").is_file():
        raise _fail(f"no pack at {shown}: the directory has no pack.yaml", where, shown)
    return resolved
