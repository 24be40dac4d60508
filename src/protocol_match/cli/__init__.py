"""The command line: parse → call the library → print. No algorithm lives here.

``protocol-match`` (``cli``, entry point ``main``): ``index`` (``_index``); ``compare``,
``templates``, ``similar``, ``duplicates``, ``stats`` (``_query``); ``check`` and
``rebuild`` (``_health``); ``teach``, ``review`` and the template verdicts (``_teach``);
``serve`` and ``watch`` (``_live``); shared options, errors and output in ``_common``.
Everything heavier than click is imported inside the commands, so ``--help`` stays fast.
"""

from ._main import cli, main

__all__ = ["cli", "main"]
