"""Suite-wide set-up."""

from __future__ import annotations

import signal

# A shell's background job (``cmd &`` without job control, as a CI wrapper may start it) begins with
# SIGINT ignored, and an ignored disposition survives exec: every child a test Ctrl-Cs (``serve``,
# the transcriber pool) would then never see it. A handled SIGINT is reset to the default at exec,
# so handling it here gives every child the normal Ctrl-C.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
