"""kneeload's database: athletes, activities with their samples, the pain diary and the
import log, on SQLite by default or any SQLAlchemy URL (PostgreSQL tested)."""

from analysis.store.access import LOCAL_OWNER, AccessDenied, User
from analysis.store.engine import database_url
from analysis.store.importer import FileOutcome, ImportReport
from analysis.store.repository import Athlete, Store, UnknownAthlete

__all__ = ["LOCAL_OWNER", "AccessDenied", "Athlete", "FileOutcome", "ImportReport", "Store",
           "UnknownAthlete", "User", "database_url"]
