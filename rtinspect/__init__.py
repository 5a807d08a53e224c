"""rtinspect: a terminal debugger and event inspector for the OpenAI Realtime API."""

__version__ = "0.1.0"
