"""`python -m layerlab.core.engine ROLE`: run one engine (the editor and executors start it)."""

import sys

from layerlab.core.engine.serve import main

sys.exit(main())
