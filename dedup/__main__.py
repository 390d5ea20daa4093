"""``python -m dedup``: the ``dedup`` command (:mod:`dedup.cli`)."""

from .cli import main

if __name__ == "__main__":
    main()
