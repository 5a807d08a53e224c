"""HelpScreen: the keys, and what each panel shows, in one scrollable page."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# rtinspect

An inspector for OpenAI Realtime sessions: every client (→) and server (←) event, and
rtinspect's own notes (·), with the session, the input buffer and the doctor's findings beside them.

## Reading the stream
| key | does |
|---|---|
| ↑ ↓ PgUp PgDn, j k | move in the event list |
| Home / End (g / G) | first event / last event (End resumes following the tail) |
| Enter | expand or fold a run of audio events |
| / , n, N | incremental search (type or event text), next, previous match |
| f | filter the list (the language below); 1 2 3 show/hide client, server, meta |
| e / E | next / previous error (errors, failures, events a finding points at); wraps round |
| y / Y | copy the selected event as JSON / save it to a file |
| z | event detail as a foldable tree or as JSON text (tree: ↑ ↓, space/enter, → unfold, ← fold, shift+space all) |
| [ / ] | narrower / wider event list |
| t | next panel tab (Session, Buffer, Findings) |
| v, Esc | next pane (list, detail, panels); below 100 columns one pane shows at a time, Esc goes back to the list |
| Tab | next pane; in Findings, Enter jumps to the finding's event |
| Ctrl+P | command palette: every action by name |
"""

FILTER = r"""
## Filter language (f)
The list says **N of M shown** while a filter is on; Enter applies, Esc closes the bar, an empty filter shows all.

| term | matches |
|---|---|
| `response.*`, `*transcription*` | event type glob (any term with `.` or `*`; `type:NAME` to be explicit) |
| `transcription` | a bare word: the type contains it |
| `client` `server` `meta` | direction (also `dir:client` …) |
| `error` | errors, failures, and events an error finding points at |
| `id:item_123` | events naming that item or response id |
| `"what is the weather"` | text anywhere in the event (audio payloads are never searched) |
| `/weath?er/` | a regular expression over the event text (case-insensitive) |
| `not X`, `X and Y`, `X or Y`, `( )` | also `!` `&` `\|`; terms side by side mean *and* |

Examples: `response.* and not *delta*` · `client and not *append*` · `error or id:item_1` ·
`conversation.* "you said"`. Type, direction and error filters apply as you type; text, id and
regex terms read the events and apply on Enter.
"""

LIVE = """
## Live session
| key | does |
|---|---|
| u | edit the session (`session.update`) with validation as you type; Ctrl+S sends |
| s | send any client event as JSON (validated) |
| Ctrl+E | edit and resend: the selected client event in the editor; Ctrl+S sends it (or your changed copy) again |
| a / A | stream an audio file (file picker; ctrl+t there sends the samples as is, no resampling: the 16 kHz mistake on purpose) / stop streaming |
| c, x | `input_audio_buffer.commit`, `input_audio_buffer.clear` |
| r / R | `response.create` / `response.cancel` |
| m, p | microphone on/off (server VAD), push-to-talk (press again to commit and respond) |
| w | recording on/off (a new log in ~/.local/share/rtinspect/sessions) |
| Ctrl+R | reconnect; S save the log as; o open a recorded log |
"""

RECORDED = """
## Recorded log
| key | does |
|---|---|
| , / . | step back / forward one event: the panels then show the state AT the cursor |
| < / > | seek back / forward 5 % on the timeline (or click the timeline), same |
| F | panels: state at the cursor ("state at #N / total") or the final state |
| P | play the recorded audio of the selected event's item; on a speech_started/stopped, its VAD window |
| S | save the log as a new file |

Compare it with a session that worked: `rtinspect open BROKEN.jsonl --compare HEALTHY.jsonl` shows
the two side by side by turn, the session differences above and the first divergence marked ▶.
"""

PROXY = """
## Proxy mode
Each connection of your app through the proxy is a session; the newest is shown as it connects.
| key | does |
|---|---|
| Ctrl+N | next session (stops following the newest) |
| Ctrl+L | back to the newest session, following new ones |

Sending (commit, response.create, the editor, audio) is off: your app owns the socket, and an
event injected behind its back would get answers it never asked for.
"""

COMPARE = """
## Compare two sessions (`rtinspect open BROKEN.jsonl --compare HEALTHY.jsonl`)
Broken on the left, healthy on the right, turn by turn; ≠ marks rows that differ, + rows only one
session has, ▶ the first event where they diverge. Above: the differences (as `replay --compare`).
| key | does |
|---|---|
| d | back to the first divergence |
| n / N | next / previous row that differs |
| [ / ] | previous / next page of turns (long sessions show a few hundred rows at a time) |
| ↑ ↓ PgUp PgDn | move; the two events under the cursor are summarised at the bottom |
| q | quit |
"""

PANELS = """
## Panels
- **Session**: the effective session the server holds beside what the client asked in its last
  `session.update`; rows marked ≠ differ (e.g. transcription asked in a wrong shape and absent).
- **Buffer**: input audio since the last commit, commits and clears, input level and VAD speech
  windows (each with its level sparkline), output audio per response, transcript status per user item.
- **Findings**: the doctor's diagnoses with the fix to paste; Enter jumps to the events.
- Status bar: connection and dialect, endpoint, time left, last turn latency, tokens and cost, recording.

Press Escape or q to close this page.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: round $accent; background: $surface; }
    """

    def __init__(self, live: bool, proxy: bool = False, compare: bool = False) -> None:
        super().__init__()
        self.live = live
        self.proxy = proxy
        self.compare = compare

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            if self.compare:
                yield Markdown(COMPARE + "\nPress Escape or q to close this page.")
                return
            mode = PROXY if self.proxy else LIVE if self.live else RECORDED
            yield Markdown(HELP + FILTER + mode + PANELS)
