import sys

from iqconsole.launcher import main

sys.exit(main())
