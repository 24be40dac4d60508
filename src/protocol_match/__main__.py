"""``python -m protocol_match``."""

from .cli import main

if __name__ == "__main__":
    main()
