"""The local web app (``protocol-match serve``): a store's articles, compare views,
templates, teaching and review queue in the browser, and the same as JSON.

``create_app`` builds the FastAPI application (``_app``; pages in ``_html_routes`` and
``_pages``, JSON in ``_api``, data in ``_views``) behind ``_security``'s guard; the store is
used only on ``_pool``'s worker threads, each with its own ``Corpus``. ``run_server`` serves
it with uvicorn; ``ServerThread`` runs it in a thread (tests, benchmarks, screenshots).
Sits above ``corpus``, ``report`` and ``watch``; only ``cli`` imports it.
"""

from ._app import create_app
from ._run import ServerThread, run_server
from ._settings import ServeSettings, is_local

__all__ = ["ServeSettings", "ServerThread", "create_app", "is_local", "run_server"]
