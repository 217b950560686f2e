"""ciport's training worker: fine-tunes code LLMs and speaks JSON lines on stdout."""

__version__ = "0.1.0"
