"""``python -m mytorch.digits --out FILE``: every run of the digits chapter."""

import sys

from mytorch.digits.runs import main

sys.exit(main())
