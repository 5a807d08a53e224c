"""LiveActions: what the user can do to a live session (a mixin of MainScreen).

Every action goes through the app's ``LiveController``; the socket work runs as asyncio workers
on the app loop (websockets is async), audio file conversion inside ``stream_file`` runs in a thread.
In a recorded log the live actions are hidden; unavailable ones (no audio device) say why when
pressed, and their palette entries say it in the title.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding

from rtinspect.errors import UserError

LIVE_ONLY = {
    "stream_file",
    "stream_file_as_is",
    "stop_stream",
    "mic",
    "push_to_talk",
    "commit",
    "clear_buffer",
    "response_create",
    "response_cancel",
    "edit_session",
    "send_event",
    "resend",
    "record",
    "reconnect",
}
RECORDED_ONLY = {"step", "seek", "play_audio", "toggle_final"}
# in proxy mode the user's app owns the socket: these are not offered (footer, palette); their keys
# say why (ProxyMainScreen) and the palette lists them as disabled with the reason
SENDING = {
    "stream_file",
    "stream_file_as_is",
    "stop_stream",
    "mic",
    "push_to_talk",
    "commit",
    "clear_buffer",
    "response_create",
    "response_cancel",
    "edit_session",
    "send_event",
    "resend",
}
PROXY_HIDDEN = {"record", "reconnect", "open_log", "seek"}


def audio_status() -> tuple[bool, str]:
    """Whether a sound device is usable, and why not (cached: PortAudio probing is slow)."""
    global _AUDIO_STATUS
    if _AUDIO_STATUS is None:
        try:
            from rtinspect.audio.devices import devices_available

            _AUDIO_STATUS = devices_available()
        except Exception as err:  # noqa: BLE001
            _AUDIO_STATUS = (False, f"audio unavailable: {err}")
    return _AUDIO_STATUS


_AUDIO_STATUS: tuple[bool, str] | None = None


class LiveActions:
    """Mixin: bindings and actions that act on the live connection."""

    LIVE_BINDINGS = [
        Binding("u", "edit_session", "session.update"),
        Binding("a", "stream_file", "Stream audio"),
        Binding("A", "stop_stream", "Stop audio", show=False),
        Binding("c", "commit", "Commit", show=False),
        Binding("x", "clear_buffer", "Clear", show=False),
        Binding("r", "response_create", "Respond"),
        Binding("R", "response_cancel", "Cancel resp", show=False),
        Binding("s", "send_event", "Send JSON", show=False),
        Binding("ctrl+e", "resend", "Edit+resend", show=False),
        Binding("m", "mic", "Mic", show=False),
        Binding("p", "push_to_talk", "Push-to-talk", show=False),
        Binding("w", "record", "Rec on/off", show=False),
        Binding("ctrl+r", "reconnect", "Reconnect", show=False),
        Binding("S", "save_log", "Save log as", show=False),
        Binding("o", "open_log", "Open log", show=False),
        Binding("P", "play_audio", "Play audio", show=False),
    ]

    app: Any
    model: Any

    if TYPE_CHECKING:

        def notify(self, *args: Any, **kwargs: Any) -> None: ...  # provided by Screen

    @property
    def controller(self) -> Any:
        return getattr(self.app, "controller", None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # proxy mode: the user's app owns the socket; not offered in the footer, a key says why
        if getattr(self.app, "read_only_reason", None) and (action in SENDING or action in PROXY_HIDDEN):
            return False
        if action in LIVE_ONLY and self.controller is None:
            return False
        # the audio actions stay enabled without a device: the key says why it cannot play
        # (a disabled binding would swallow the key in silence); the palette entry says it too
        return not (action in RECORDED_ONLY and self.controller is not None)

    # ---- sending -------------------------------------------------------------------------------
    @work(exclusive=False, group="send")
    async def send_event(self, event: dict[str, Any]) -> None:
        try:
            await self.controller.send(event)
        except UserError as err:
            self.notify(str(err), severity="error")

    def action_commit(self) -> None:
        self.send_event({"type": "input_audio_buffer.commit"})

    def action_clear_buffer(self) -> None:
        self.send_event({"type": "input_audio_buffer.clear"})

    def action_response_create(self) -> None:
        self.send_event({"type": "response.create"})

    def action_response_cancel(self) -> None:
        self.send_event({"type": "response.cancel"})

    def action_edit_session(self) -> None:
        from rtinspect.tui.screens.editor import EditorScreen

        self.app.push_screen(EditorScreen(self.model, self.controller, mode="session"))

    def action_send_event(self) -> None:
        from rtinspect.tui.screens.editor import EditorScreen

        self.app.push_screen(EditorScreen(self.model, self.controller, mode="event"))

    def action_resend(self) -> None:
        """Open the selected client event in the editor, to send it again or a changed copy."""
        from rtinspect.inspector.resend import resend_draft
        from rtinspect.tui.screens.editor import EditorScreen

        draft = resend_draft(self.model, self.query_one("EventList").selected_event)  # type: ignore[attr-defined]
        if draft.event is None:
            self.notify(draft.reason, severity="warning")
            return
        title = f"resend #{draft.source} {draft.type} ({self.model.dialect.upper()}) — edit, then Ctrl+S"
        self.app.push_screen(
            EditorScreen(self.model, self.controller, mode="resend", initial=draft.event, title=title)
        )

    # ---- audio ---------------------------------------------------------------------------------
    def action_stream_file(self, resample: bool = True) -> None:
        """a: pick a file and stream it; the picker's box (ctrl+t) chooses resampling or as is."""
        from rtinspect.tui.screens.picker import AudioPicker, StreamChoice

        def picked(choice: StreamChoice | None) -> None:
            if choice is not None:
                self.start_stream(choice.path, resample=choice.resample)

        self.app.push_screen(AudioPicker(resample=resample), picked)

    def action_stream_file_as_is(self) -> None:
        """The palette's "as is": the picker opens with resampling off."""
        self.action_stream_file(resample=False)

    def start_stream(self, path: Path, realtime: bool = True, *, resample: bool = True) -> None:
        ctl = self.controller
        if ctl.stream_task is not None and not ctl.stream_task.done():
            self.notify("already streaming; press A to stop it first", severity="warning")
            return
        ctl.stream_task = asyncio.ensure_future(self._stream(path, realtime, resample))

    async def _stream(self, path: Path, realtime: bool, resample: bool = True) -> None:
        ctl = self.controller
        try:
            result = await ctl.stream_file(path, realtime=realtime, resample=resample)
        except asyncio.CancelledError:
            self.notify(f"stopped streaming {path.name}")
            raise
        except UserError as err:
            self.notify(str(err), severity="error")
        except Exception as err:  # noqa: BLE001 - a bad file is a message, never a crash
            self.notify(f"cannot stream {path.name}: {err}", severity="error")
        else:
            # what was done to the samples, never silent: "a.wav: 16000 Hz → 24000 Hz (resampled)"
            note = ctl.stream_note or path.name
            self.notify(
                f"streamed {note}: {result.audio_ms / 1000:.2f} s in {result.appends} appends",
                severity="information" if resample else "warning",
            )

    def action_stop_stream(self) -> None:
        ctl = self.controller
        if ctl.stream_task is None or ctl.stream_task.done():
            self.notify("no audio is streaming")
            return
        ctl.stream_task.cancel()

    def _unavailable(self) -> bool:
        ok, reason = audio_status()
        if not ok:
            self.notify(f"no audio device: {reason}", severity="warning")
        return not ok

    def action_mic(self) -> None:
        if self._unavailable():
            return
        ctl = self.controller
        if ctl.mic is not None:
            ctl.mic.stop()
            ctl.mic = None
            self.notify("microphone off")
            return
        self._start_mic(gate_open=True)
        self.notify("microphone on (server VAD decides the turns)")

    def action_push_to_talk(self) -> None:
        if self._unavailable():
            return
        ctl = self.controller
        if ctl.mic is None:
            self._start_mic(gate_open=True)
            self.notify("talking… press p again to commit and ask for a response")
            return
        ctl.mic.stop()
        ctl.mic = None
        if self._vad_on():
            self.notify("server VAD is on, so it commits the turn itself (F4 in the editor turns it off)")
            return
        self.send_event({"type": "input_audio_buffer.commit"})
        self.send_event({"type": "response.create"})

    def _vad_on(self) -> bool:
        state = self.model.state
        if state is None or not state.session.effective:
            return True
        sess = state.session.effective
        audio = sess.get("audio") if isinstance(sess.get("audio"), dict) else {}
        inp = audio.get("input") if isinstance(audio.get("input"), dict) else {}
        return bool(inp.get("turn_detection", sess.get("turn_detection")))

    def _start_mic(self, gate_open: bool) -> None:
        import base64

        from rtinspect.audio.devices import Microphone

        ctl = self.controller
        loop = asyncio.get_running_loop()

        def on_chunk(chunk: bytes) -> None:  # PortAudio's thread
            event = {"type": "input_audio_buffer.append", "audio": base64.b64encode(chunk).decode()}
            loop.call_soon_threadsafe(lambda: asyncio.ensure_future(ctl.send(event)))

        mic = Microphone(on_chunk)
        mic.open = gate_open
        try:
            mic.start()
        except UserError as err:
            self.notify(str(err), severity="error")
            return
        ctl.mic = mic

    # ---- session ---------------------------------------------------------------------------------
    def action_record(self) -> None:
        ctl = self.controller
        if ctl.writer is not None:
            path = ctl.stop_recording()
            self.notify(f"recording stopped ({path})")
        else:
            try:
                path = ctl.start_recording(None)
            except UserError as err:
                self.notify(str(err), severity="error")
                return
            self.notify(f"recording new events to {path}")
        self.app.sync_recording()

    @work(exclusive=True, group="reconnect")
    async def action_reconnect(self) -> None:
        try:
            await self.controller.reconnect()
        except UserError as err:
            self.notify(str(err), severity="error")

    def action_save_log(self) -> None:
        from rtinspect.tui.screens.picker import PathPrompt

        def chosen(path: Path | None) -> None:
            if path is not None:
                self._save_log(path)

        self.app.push_screen(PathPrompt("Save the session log as", "session.jsonl"), chosen)

    @work(thread=True, exclusive=True, group="save")
    def _save_log(self, path: Path) -> None:
        """Write every event seen so far to a new log (in a thread: it may be large)."""
        from rtinspect.inspector.index import ReaderIndex
        from rtinspect.log import LogWriter

        idx = self.model.index
        n = len(idx)  # what is there now; a live session goes on appending
        try:
            header = idx.reader.header if isinstance(idx, ReaderIndex) else {}
            with LogWriter(
                path, url=header.get("url"), dialect=self.model.dialect, model=header.get("model")
            ) as w:
                for i in range(n):
                    w.write(idx.rec(i))
        except Exception as err:  # noqa: BLE001
            self.app.call_from_thread(self.notify, f"cannot save {path}: {err}", severity="error")
            return
        self.app.call_from_thread(self.notify, f"saved {n:,} events to {path}")

    def action_open_log(self) -> None:
        from rtinspect.tui.screens.picker import PathPrompt

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.app.open_log(path)

        self.app.push_screen(PathPrompt("Open a recorded log", ""), chosen)

    def action_play_audio(self) -> None:
        if self._unavailable():
            return
        from rtinspect.inspector.playback import collect_audio, play_pcm

        event = self.query_one("EventList").selected_event  # type: ignore[attr-defined]
        if event is None:
            return
        from rtinspect.inspector.vad_audio import selected_window_audio

        window = selected_window_audio(self.model, event)  # a speech_started/stopped: its window
        if isinstance(window, str):
            self.notify(window, severity="warning")
            return
        if window is not None:
            label, pcm, rate = window
            self.notify(f"playing {label}")
            self.run_worker(lambda: play_pcm(pcm, rate), thread=True, exclusive=True, group="play")
            return
        found = collect_audio(self.model, event)
        if found is None:
            self.notify("no recorded audio for this event's item", severity="warning")
            return
        label, pcm = found
        self.notify(f"playing {label}")
        self.run_worker(lambda: play_pcm(pcm), thread=True, exclusive=True, group="play")
