"""Suite-wide: keep the per-user node registry and cookie file of the person running the tests
untouched (every node a test starts would otherwise appear in their desktop app's list)."""

import atexit
import os
import shutil
import tempfile

_scratch = tempfile.mkdtemp(prefix="pgviz-tests-")
atexit.register(shutil.rmtree, _scratch, ignore_errors=True)  # one per run, not left behind
os.environ.setdefault("PGVIZ_REGISTRY_DIR", os.path.join(_scratch, "registry"))
os.environ.setdefault("XDG_CONFIG_HOME", os.path.join(_scratch, "config"))
