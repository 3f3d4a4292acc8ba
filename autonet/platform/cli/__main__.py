"""``python -m autonet.platform.cli``: the ``autonet`` command."""

from autonet.platform.cli.main import main

if __name__ == "__main__":
    main()
