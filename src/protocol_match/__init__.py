"""protocol_match: find boilerplate, syndicated copies and novel passages in news."""

__version__ = "0.1.0"
