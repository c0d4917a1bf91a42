"""Which processes descend from a process (Linux /proc), for tests of orphaned workers."""

from __future__ import annotations

from pathlib import Path


def parents() -> dict[int, int]:
    """Every live process id with its parent's id."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended while we looked
            continue
        # "pid (name) state ppid ...": the name may hold spaces and parentheses.
        fields = text[text.rindex(")") + 2:].split()
        if fields[0] != "Z":  # a zombie has exited already
            found[int(stat.parent.name)] = int(fields[1])
    return found


def descendants(pid: int) -> list[int]:
    """Live processes started (directly or not) by process `pid`."""
    tree = parents()
    out, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, of in tree.items() if of == parent]
        out += children
        frontier += children
    return sorted(out)


def grandchildren(pid: int) -> list[int]:
    """Live descendants of `pid` that are not its own children: the processes its
    forkserver started (the forkserver and resource tracker live as long as `pid`)."""
    tree = parents()
    return [child for child in descendants(pid) if tree.get(child) != pid]


def alive(pids: list[int]) -> list[int]:
    """Those of `pids` still running (not exited, not zombies)."""
    tree = parents()
    return [pid for pid in pids if pid in tree]
