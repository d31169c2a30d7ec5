"""``python -m briefer.cli``: the ``briefer`` command without its console script."""

from briefer.cli import main

main()
