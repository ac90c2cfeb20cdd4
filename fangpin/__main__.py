import sys

from fangpin.cli import main

sys.exit(main())
