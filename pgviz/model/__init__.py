"""The Qt-free model under every view: the cluster folded from its events, recordings, replay."""

from .cluster import ClusterModel, GroupKey, InFlight, Snapshot
from .ledger import FATES, FrameLedger
from .recording import Recorder, Recording, RecordingError, Replay, load_recording

__all__ = ["ClusterModel", "GroupKey", "InFlight", "Snapshot", "FrameLedger", "FATES",
           "Recorder", "Recording", "RecordingError", "Replay", "load_recording"]
