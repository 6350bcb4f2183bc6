"""kzru pipeline: raw texts in, a validated, versioned open dataset out."""

__version__ = "0.1.0"
