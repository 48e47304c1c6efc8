"""Brand Content Assistant: draft, check and approve multilingual marketing copy."""

__version__ = "0.1.0"
