"""Bounded, safe reading of the files a pack, a calendar or the command line names (SD2).

Every file xueji-rules reads goes through :func:`read_bytes`:

* the file is opened non-blocking (``O_NONBLOCK``, ``O_NOCTTY``), so opening a FIFO or a terminal
  never waits for a writer, and ``fstat`` on the open descriptor must say *regular file*: a
  directory, a FIFO, a socket or a device (``/dev/zero``, ``/dev/stdin``) is refused;
* its size is checked against the limit **before** anything is read, and the read itself stops
  one byte past the limit, so a file that grows while it is read is refused too;
* with ``root`` (a pack's folder), the file's real path (every symbolic link resolved) must lie
  inside the real path of ``root``: a link that stays inside the pack is followed, a link that
  leaves it is refused, and the final open does not follow links (``O_NOFOLLOW``);
* every ``OSError`` (a dangling link, a link loop, a permission problem, a name too long) and a
  NUL in a name become the caller's error type (:class:`~xueji_rules.errors.PackError` for packs,
  :class:`~xueji_rules.errors.InputError` for command-line inputs) naming the file, never a
  traceback;
* a :class:`Budget` bounds a whole pack: the number of files and their total size.

:func:`excerpt` and :func:`escape_controls` keep content echoed in messages short and free of
terminal escapes.

The pack files are assumed not to change *while* a pack loads (someone who can rewrite the pack
folder during a load can also just rewrite the pack): every check is made on the descriptor that
is read, but a path component swapped for a link between the check and the open is out of scope.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable

from xueji_rules.errors import InputError, Location, PackError, Problem, XuejiRulesError

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_PACK_BYTES",
    "MAX_PACK_FILES",
    "MAX_PACK_FILE_BYTES",
    "MAX_PACK_VALUES",
    "Budget",
    "ErrorFactory",
    "decode_utf8",
    "describe_os_error",
    "display_name",
    "escape_controls",
    "excerpt",
    "input_error",
    "is_inside",
    "pack_error",
    "read_bytes",
    "read_text",
]

# One file of a pack (rules, parameters, lifecycle, articles, calendars). The largest bundled
# file is under 50 KB; a megabyte is twenty times that.
MAX_PACK_FILE_BYTES = 1 << 20
# Every file the loader reads for one effective pack (the pack and every layer it extends;
# ``tests/`` is not read by the loader). Bundled: Shanxi over national is 25 files, 290 KB.
MAX_PACK_FILES = 256
MAX_PACK_BYTES = 4 << 20
# Values (mappings, lists, scalars) in those files once YAML aliases are expanded. Bundled:
# about 8,000. A single file may hold at most 500,000 (xueji_rules._yaml.MAX_NODES).
MAX_PACK_VALUES = 1_000_000
# A record, a request (command line or stdin) or a scenario file.
MAX_INPUT_BYTES = 5_000_000

_CHUNK = 1 << 16
_EXCERPT = 60

ErrorFactory = Callable[[str, Location], XuejiRulesError]


def pack_error(message: str, where: Location) -> XuejiRulesError:
    """The error for a problem with a pack file (or a calendar or scenario file)."""
    return PackError([Problem(message, where)])


def input_error(message: str, where: Location) -> XuejiRulesError:
    """The error for a problem with a command-line input file."""
    return InputError(message, where)


def escape_controls(text: str) -> str:
    """``text`` with control and other unprintable characters written as escapes.

    Newlines are kept (messages may span lines); everything else that is not printable (ESC,
    the C1 controls U+0080–U+009F, bidirectional overrides, lone surrogates) becomes ``\\x..``,
    ``\\u....`` or ``\\U........``, so a name or message cannot drive the terminal.
    """
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch == "\n" or ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
            )
    return "".join(out)


def excerpt(value: object, limit: int = _EXCERPT) -> str:
    """A short, escaped ``repr``-like rendering of ``value`` for an error message.

    Strings are quoted and cut after ``limit`` characters (``…`` and the full length follow);
    other values are rendered with ``repr`` and cut the same way.
    """
    if isinstance(value, str):
        body = escape_controls(value[:limit]).replace("\n", "\\n")
        more = f"… ({len(value)} characters)" if len(value) > limit else ""
        return f"'{body}'{more}"
    text = repr(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return escape_controls(text).replace("\n", "\\n")


def display_name(path: str | os.PathLike[str]) -> str:
    """A path as it may appear in a message: escaped and at most 200 characters."""
    text = escape_controls(os.fsdecode(path))
    return text if len(text) <= 200 else text[:100] + "…" + text[-99:]


class Budget:
    """What one pack (with the packs it extends) may still read: files, bytes, parsed values."""

    __slots__ = (
        "bytes_left",
        "exhausted",
        "files_left",
        "max_bytes",
        "max_files",
        "max_values",
        "values_left",
    )

    def __init__(
        self,
        max_files: int = MAX_PACK_FILES,
        max_bytes: int = MAX_PACK_BYTES,
        max_values: int = MAX_PACK_VALUES,
    ) -> None:
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.max_values = max_values
        self.files_left = max_files
        self.bytes_left = max_bytes
        self.values_left = max_values
        self.exhausted = False  # set once a charge was refused: stop reading

    def charge(self, size: int, where: Location, error: ErrorFactory = pack_error) -> None:
        """Take one file of ``size`` bytes from the budget, or raise before it is read."""
        if self.files_left <= 0:
            self.exhausted = True
            raise error(
                f"the pack has more than {self.max_files} files to read (the limit for a pack "
                "and the packs it extends)",
                where,
            )
        if size > self.bytes_left:
            self.exhausted = True
            raise error(
                f"the pack's files add up to more than {self.max_bytes} bytes (the limit for a "
                "pack and the packs it extends)",
                where,
            )
        self.files_left -= 1
        self.bytes_left -= size


def is_inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Whether the real path of ``path`` lies inside the real path of ``root``.

    Raises ``OSError`` when ``path`` cannot be resolved (dangling link, loop).
    """
    real = os.path.realpath(path, strict=True)
    base = os.path.realpath(root)
    return real == base or os.path.commonpath([real, base]) == base


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def describe_os_error(exc: OSError) -> str:
    """An ``OSError`` in words, without the path (the caller's location names it)."""
    code = exc.errno
    if code == errno.ENOENT:
        return "no such file (or a symbolic link whose target does not exist)"
    if code == errno.ELOOP:
        return "a symbolic link loop (or a link where none is allowed)"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.ENAMETOOLONG:
        return "the file name is too long"
    if code == errno.ENXIO:
        return "not a regular file (a socket or a device without a reader)"
    if code == errno.ENOTDIR:
        return "a part of the path is not a directory"
    return f"cannot read the file ({exc.strerror or type(exc).__name__})"


def read_bytes(
    path: str | os.PathLike[str],
    *,
    display: str | None = None,
    max_bytes: int = MAX_PACK_FILE_BYTES,
    root: str | os.PathLike[str] | None = None,
    budget: Budget | None = None,
    error: ErrorFactory = pack_error,
) -> bytes:
    """The bytes of the regular file ``path``, read safely (see the module docstring).

    ``display`` is the name used in messages (default: the path, escaped). With ``root``, the
    file must lie inside that folder once links are resolved. With ``budget``, the file is
    charged to it before it is read.
    """
    where = Location(file=display if display is not None else display_name(path))
    raw = os.fspath(path)
    if "\0" in os.fsdecode(raw):
        raise error("the file name contains a NUL character", where)
    target: str | bytes = raw
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        if root is not None:
            if not is_inside(raw, root):
                raise error(
                    "a symbolic link to a file outside the pack's folder; a pack reads only "
                    "files inside its own folder",
                    where,
                )
            target = os.path.realpath(raw, strict=True)
            flags |= getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(target, flags)
    except OSError as exc:
        raise error(describe_os_error(exc), where) from None
    except ValueError:  # an embedded NUL that fsdecode let through
        raise error("the file name contains a NUL character", where) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"not a regular file: {_kind(info.st_mode)}", where)
        if info.st_size > max_bytes:
            raise error(
                f"the file is {info.st_size} bytes, more than the limit of {max_bytes} bytes",
                where,
            )
        if budget is not None:
            budget.charge(info.st_size, where, error)
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise error(f"the file grew past the limit of {max_bytes} bytes while read", where)
        return b"".join(chunks)
    except OSError as exc:
        raise error(describe_os_error(exc), where) from None
    finally:
        os.close(fd)


def decode_utf8(data: bytes, where: Location, error: ErrorFactory = pack_error) -> str:
    """``data`` as UTF-8 text (a leading byte-order mark is dropped), or the caller's error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text (invalid byte at offset {exc.start})", where) from None
    return text[1:] if text.startswith("\ufeff") else text


def read_text(
    path: str | os.PathLike[str],
    *,
    display: str | None = None,
    max_bytes: int = MAX_PACK_FILE_BYTES,
    root: str | os.PathLike[str] | None = None,
    budget: Budget | None = None,
    error: ErrorFactory = pack_error,
) -> str:
    """:func:`read_bytes`, decoded as UTF-8."""
    data = read_bytes(
        path, display=display, max_bytes=max_bytes, root=root, budget=budget, error=error
    )
    where = Location(file=display if display is not None else display_name(path))
    return decode_utf8(data, where, error)
