"""``python -m sim``: the ``crmsim`` command line, for an environment whose scripts folder is not
on the PATH (``python -m sim run four_ps`` is ``crmsim run four_ps``)."""

import sys

from sim.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
