"""`python -m layerlab.core.engine ROLE`: run one engine (the editor and executors start it)."""

import sys

from layerlab.core.engine.serve import main

if __name__ == "__main__":  # importing the module (a test walking the core) must not start an engine
    sys.exit(main())
