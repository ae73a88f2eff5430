"""support: a command-line customer-center client."""

__version__ = "0.1.0"
