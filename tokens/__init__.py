"""API tokens: the ``ApiToken`` model, its services (create, authenticate, revoke, expiry warnings),
the token pages, the admin and the ``create_api_token`` command.

It sits below ``api`` (whose bearer-token authentication reads tokens) and imports no other app:
publishers and packages are reached through the model's foreign keys only.
"""
