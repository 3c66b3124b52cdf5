"""``python -m jaxnest run|port|parity ...`` (same as the ``jaxnest`` command)."""
import sys

from .cli import main

sys.exit(main())
