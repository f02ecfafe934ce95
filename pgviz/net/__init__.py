"""Distribution: connections between nodes over TCP or in memory, mesh, ticks, faults."""

from .addresses import split_address
from .cookie import resolve_cookie
from .distribution import Distribution, new_creation
from .faults import Faults
from .memory import MemoryNetwork
from .tls import TLSConfig

__all__ = ["Distribution", "Faults", "MemoryNetwork", "new_creation", "resolve_cookie",
           "split_address", "TLSConfig"]
