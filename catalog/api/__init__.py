"""The public read API of the catalog in three dialects (api.md sections 1 to 3).

``filters.py`` holds the one search path every dialect goes through,
``serializers.py`` the reply shapes, ``views.py`` the endpoints and
``licensing_hook.py`` the seam where licensing (issue 6) plugs in.
"""
