"""The package version (one place; read by the build, see pyproject.toml)."""
__version__ = "0.1.0"
