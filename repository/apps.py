from django.apps import AppConfig


class RepositoryConfig(AppConfig):
    name = "repository"
    verbose_name = "TUF repository"

    def ready(self) -> None:
        """Register the deployment checks of the repository's key files."""
        from . import checks  # noqa: F401 - registers the checks.
