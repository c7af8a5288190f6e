import sys

from integrationsmonitor.cli import main

sys.exit(main())
