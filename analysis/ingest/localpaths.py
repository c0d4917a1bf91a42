"""Which paths on this computer may be read, and how: regular files and folders only, no
link leading out of the chosen folder, bounded sizes and counts; from the dashboard only
under the user's home or the folders in KNEELOAD_LOCAL_ROOTS (never in squad mode)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from analysis.ingest.decompress import Limits, MiB

ROOTS_VARIABLE = "KNEELOAD_LOCAL_ROOTS"


class PathRefused(ValueError):
    """A path the dashboard will not read; the message says why in plain words."""


def file_problem(path: Path, limits: Limits, zip_ok: bool = False) -> str | None:
    """Why `path` cannot be read as an activity file (None when it can): devices, pipes
    and sockets are refused before anything is read (`/dev/zero` never ends), so are files
    over the per-file limit, except zips (read member by member) when `zip_ok`."""
    try:
        info = path.stat()
    except OSError as exc:
        return f"cannot be opened ({exc.strerror})"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a device, pipe or socket); only files and folders are read"
    if info.st_size > limits.max_file_bytes and not zip_ok:
        return (f"refused: larger than {limits.max_file_bytes // MiB} MiB "
                f"({info.st_size / MiB:,.0f} MiB)")
    return None


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, with every link followed, lies in `root` (links out are refused)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a link loop
        return False


def allowed_roots() -> list[Path]:
    """Folders the dashboard may read from: KNEELOAD_LOCAL_ROOTS (separated by the
    system's path separator), else the user's home."""
    configured = os.environ.get(ROOTS_VARIABLE, "")
    roots = [Path(part).expanduser() for part in configured.split(os.pathsep) if part.strip()]
    return roots or [Path.home()]


def dashboard_path(text: str) -> Path:
    """The export folder or file typed on the Import page, once it is known to be one that
    may be read; PathRefused says why not."""
    path = Path(text.strip()).expanduser()
    if not path.is_absolute():
        raise PathRefused(f"give the full path (such as {Path.home() / 'strava_export'}), "
                          f"not {text.strip()!r}")
    roots = allowed_roots()
    if not any(inside(path, root) for root in roots):
        raise PathRefused(f"only folders and files under {', '.join(map(str, roots))} can be "
                          f"read from here (set {ROOTS_VARIABLE} to allow others)")
    if not path.exists():
        raise PathRefused(f"nothing found at {path}; check the path (a folder or a .zip)")
    if not path.resolve().is_dir():
        problem = file_problem(path.resolve(), Limits(), zip_ok=True)
        if problem:
            raise PathRefused(f"{path}: {problem}")
    return path
