"""autonet: level-4 autonomous mobile network operations on a digital twin."""

__all__ = ["__version__"]

__version__ = "0.1.0"
