"""The Textual-free application layer of the TUI: the session model a screen reads, the event
index and row folding, stepping history, the one event summariser, the live controller, playback.
``rtinspect.tui`` holds only Textual code on top of it."""
