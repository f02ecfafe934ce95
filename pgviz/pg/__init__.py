"""pg: OTP's distributed named process groups (see scope.py for the guarantees)."""

from .scope import Scope, check_group

__all__ = ["Scope", "check_group"]
