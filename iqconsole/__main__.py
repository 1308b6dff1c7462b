import sys

from iqconsole.cli import main

sys.exit(main())
