"""Catalog URLs, included at the site root: ``public`` (namespace ``catalog``) and ``engagement``."""
