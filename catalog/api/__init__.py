"""The public read API of the catalog in three dialects (docs/api.md).

``filters.py`` holds the one search path every dialect goes through,
``serializers.py`` the reply shapes and ``views.py`` the endpoints. What a
license unlocks is licensing's answer, asked through ``catalog.entitlements``;
the upload and submission endpoints of the dialects are publishing's
(``publishing/api/``).
"""
