"""Demo / development mode: the embedded default that ``make run`` uses. Marked in the header."""

from .base import *  # noqa: F403
from .base import SECRET_KEY as _SECRET_KEY

OPENMASH_MODE = "local"
DEMO_MODE = True
# A fixed key is acceptable only here: demo data is synthetic and the server binds to localhost.
SECRET_KEY = _SECRET_KEY or "demo-only-not-secret-openmash-local-key-0123456789abcdef"  # noqa: S105
