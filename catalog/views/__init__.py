"""Catalog pages: the public storefront (``public``) and reviews, watching and publisher statistics (``engagement``)."""
