"""The API plumbing every dialect shares: bearer-token authentication, the error body, rate limits,
the request-body cap and UTC timestamps.

Below every app (``docs/architecture.md``): the catalog, publishing, licensing and moderation APIs
import it; it imports none of them (but the token model, until API tokens have an app of their own).
"""
