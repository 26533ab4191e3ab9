"""``python -m assessments.analysis PATH ...``: see cli.py."""

import sys

from .cli import main

sys.exit(main())
