"""Sessions in and out of rtinspect's log format.

In: ``importer.import_file(path, out=None)`` reads a Chrome HAR (``har.read_har_file``) or another
tool's JSON/JSONL event log (``eventlog.stream_event_log``) and writes one log per session.
Out: ``audio_export.export_audio(log, dir)`` (WAV), ``markdown.render_markdown(log, findings)``,
``script.write_script(log, dir)`` (standalone ``websockets`` reproduction), ``har.session_to_har``.
``logio.read_log`` / ``logio.open_writer`` are the shared way in and out of ``rtinspect.log``.
"""
