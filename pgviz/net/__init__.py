"""Distribution: connections between nodes over TCP or in memory, mesh, ticks, faults."""

from .cookie import resolve_cookie
from .dials import split_address
from .distribution import Distribution, new_creation
from .faults import Faults
from .memory import MemoryNetwork
from .tls import TLSConfig

__all__ = ["Distribution", "Faults", "MemoryNetwork", "new_creation", "resolve_cookie",
           "split_address", "TLSConfig"]
