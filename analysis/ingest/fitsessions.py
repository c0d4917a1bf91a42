"""Which FIT records belong to which session, and where each session's distance starts.

Records are taken in file order and cut where the next session begins: a session ends
where the next one starts, whatever its stated elapsed time says (devices write records
after that, and a generic session's start_time can lie long after its first record). A
chained file holding the same activity twice is read once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

Columns = dict[str, np.ndarray]
LATE_START_S = 10.0  # a start_time later than end − elapsed by more than this is wrong


@dataclass
class Session:
    """One session's summary values (NaN where absent) and the records it owns."""

    values: dict[str, float]
    records: slice = field(default_factory=lambda: slice(0, 0))
    distance_base: float = 0.0  # the cumulative distance at its start (continued counts)

    @property
    def start(self) -> float:
        """When the session began: its start_time, unless its end minus its elapsed time
        lies more than LATE_START_S earlier (a late start_time, as in a Fenix 2's generic
        session)."""
        stated = self.values.get("start_time", np.nan)
        implied = self.values.get("timestamp", np.nan) - self.values.get(
            "total_elapsed_time", np.nan)
        if stated != stated or implied < stated - LATE_START_S:
            return implied
        return stated


def drop_repeated_records(records: Columns, warnings: list[str]) -> Columns:
    """Records that are exact copies of earlier ones (time and every value) removed: a
    chained file holding the activity twice. A clock that steps back a second is kept."""
    times = records.get("timestamp")
    if times is None or len(np.unique(times)) == len(times):
        return records
    names = sorted(name for name, values in records.items()
                   if name != "_seq" and values.dtype != object)
    rows = np.nan_to_num(np.column_stack([records[name] for name in names]), nan=-1e300)
    _, first = np.unique(rows, axis=0, return_index=True)
    keep = np.zeros(len(times), dtype=bool)
    keep[first] = True
    if keep.all():
        return records
    warnings.append(f"{int((~keep).sum())} record(s) are copies of earlier ones (the file "
                    "holds the activity more than once); read once")
    return {name: values[keep] for name, values in records.items()}


def unique_sessions(summaries: list[dict[str, float]], warnings: list[str]) -> list[Session]:
    """Sessions in time order, each once (a repeated copy of a session is dropped)."""
    sessions: list[Session] = []
    seen: set[tuple[float, ...]] = set()
    for values in summaries:
        session = Session(values)
        key = (round(session.start, 0), values.get("sport", np.nan),
               round(values.get("total_distance", np.nan), 2))
        key = tuple(-1.0 if k != k else k for k in key)
        if key in seen:
            continue
        seen.add(key)
        sessions.append(session)
    if len(sessions) < len(summaries):
        warnings.append(f"{len(summaries) - len(sessions)} session summary(ies) repeat "
                        "earlier ones; read once")
    order = np.argsort([s.start if s.start == s.start else np.inf for s in sessions],
                       kind="stable")
    return [sessions[i] for i in order]


def assign_records(sessions: list[Session], records: Columns) -> None:
    """Give each session the records from its start up to where the next session starts,
    in file order (records before the first session's start belong to it)."""
    times = records.get("timestamp", np.empty(0))
    running = np.maximum.accumulate(np.where(np.isfinite(times), times, -np.inf)) if len(
        times) else times
    cuts = [0]
    for previous, session in itertools.pairwise(sessions):
        begin = session.start
        if begin != begin:  # no start stated: the previous session's end
            begin = previous.values.get("timestamp", np.nan)
        cut = int(np.searchsorted(running, begin, side="left")) if begin == begin else cuts[-1]
        cuts.append(max(cut, cuts[-1]))
    cuts.append(len(times))
    for session, lo, hi in zip(sessions, cuts[:-1], cuts[1:], strict=True):
        session.records = slice(lo, hi)
    _distance_bases(sessions, records.get("distance"))


def _distance_bases(sessions: list[Session], distance: np.ndarray | None) -> None:
    """Where a session's cumulative distance continues the previous session's count (some
    devices never reset it), its start value is the previous session's last one; else 0,
    so a first record that already carries metres counts them. When both readings are
    possible, the session's stated total decides."""
    if distance is None:
        return
    previous_last = np.nan
    for session in sessions:
        own = distance[session.records]
        own = own[np.isfinite(own)]
        if len(own) == 0:
            continue
        if previous_last == previous_last and own[0] >= previous_last > 0:
            stated = session.values.get("total_distance", np.nan)
            continued = own[-1] - previous_last
            if stated != stated or abs(continued - stated) < abs(own[-1] - stated):
                session.distance_base = float(previous_last)
        previous_last = float(own[-1])
