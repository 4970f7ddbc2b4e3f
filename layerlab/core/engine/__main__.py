"""`python -m layerlab.core.engine ROLE`: run one engine (the editor and executors start it)."""

import sys

from layerlab.core.engine.serve import main

if __name__ == "__main__":  # importing it (as the core's import test does) runs nothing
    sys.exit(main())
