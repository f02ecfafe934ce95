"""pg: OTP's distributed named process groups (see scope.py for the guarantees)."""

from .scope import Scope, check_group
from .subscription import Subscription
from .watch import MembershipChange, Watch

__all__ = ["Scope", "check_group", "Subscription", "Watch", "MembershipChange"]
