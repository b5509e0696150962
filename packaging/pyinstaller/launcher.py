"""Entry script of the PyInstaller bundle: runs a crmdesk command or the desktop app."""

import sys

from crmdesk.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
