"""Entry point for ``python -m observatory``."""

import sys

from observatory.cli import main

sys.exit(main())
