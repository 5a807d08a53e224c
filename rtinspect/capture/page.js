// rtinspect in-page collector: forwards the Realtime events of this page's WebRTC data channels
// named "oai-events" (both ways, with their time) to rtinspect's local collector.
//
// Add it before your app creates its RTCPeerConnection:
//   <script src="http://127.0.0.1:8766/rtinspect.js"></script>
// (or paste it into the console, then start the call). It reads events only: no key, no audio
// track, nothing else of the page is sent. Served by `rtinspect collect`, which records each
// channel as a session and shows it live.
(() => {
  "use strict";
  if (window.__rtinspect) return;
  const COLLECTOR = "__RTINSPECT_COLLECTOR__";
  const CHANNEL = "oai-events";
  const MAX_QUEUE = 5000; // events kept while the collector socket is (re)connecting
  const Native = window.RTCPeerConnection;
  if (!Native) return;

  const state = { ws: null, queue: [], dropped: 0, sent: 0, binary: 0, next: 1 };
  window.__rtinspect = state;
  const now = () => (performance.timeOrigin + performance.now()) / 1000;

  function connect() {
    if (state.ws && state.ws.readyState <= 1) return;
    const ws = new WebSocket(COLLECTOR);
    state.ws = ws;
    ws.onopen = flush;
    ws.onclose = () => { if (state.ws === ws) state.ws = null; };
  }

  function flush() {
    const ws = state.ws;
    if (!ws || ws.readyState !== 1) return;
    while (state.queue.length) {
      ws.send(state.queue.shift());
      state.sent += 1;
    }
  }

  function post(message) {
    const text = JSON.stringify(message);
    if (state.ws && state.ws.readyState === 1 && !state.queue.length) {
      state.ws.send(text);
      state.sent += 1;
      return;
    }
    if (state.queue.length >= MAX_QUEUE) {
      state.dropped += 1;
      return;
    }
    state.queue.push(text);
    connect();
  }

  function payload(data) {
    if (typeof data === "string") return { text: true, data };
    state.binary += 1; // Realtime events are JSON text: other messages are counted, not sent
    return null;
  }

  function watch(channel) {
    if (!channel || channel.label !== CHANNEL || channel.__rtinspect) return;
    channel.__rtinspect = true;
    const id = `page-${Date.now().toString(36)}-${state.next++}`;
    post({ kind: "open", id, via: "page", t: now(), headers: [],
           url: `${location.origin}${location.pathname} (WebRTC data channel ${CHANNEL})` });
    const send = channel.send;
    channel.send = function (data) {
      const p = payload(data);
      if (p) post({ kind: "frame", id, dir: "client", t: now(), ...p });
      return send.call(this, data);
    };
    channel.addEventListener("message", (e) => {
      const p = payload(e.data);
      if (p) post({ kind: "frame", id, dir: "server", t: now(), ...p });
    });
    channel.addEventListener("close", () => {
      post({ kind: "close", id, t: now(), code: null, reason: "data channel closed", by: "network" });
    });
  }

  class RTCPeerConnection extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("datachannel", (e) => watch(e.channel));
    }
    createDataChannel(...args) {
      const channel = super.createDataChannel(...args);
      watch(channel);
      return channel;
    }
  }
  window.RTCPeerConnection = RTCPeerConnection;
  if (window.webkitRTCPeerConnection) window.webkitRTCPeerConnection = RTCPeerConnection;
  connect();
})();
