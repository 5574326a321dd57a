"""The licensing app's URLconfs, each included by ``marketplace/urls.py``: ``money`` (namespace
``licensing``), ``licenses``, ``plans`` and ``api`` (namespace ``licensing-api``)."""
