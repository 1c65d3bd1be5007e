// The playable keyboard: pre-rendered notes played with the Web Audio API, no server round trip.
// data = {digest, notes: [{midi, name, wav (base64 WAV; absent: the first note's), loop: [start_s, end_s]}], release_s, window_lo}
// Computer keys (a DAW's layout): A W S E D F T G Y H U J K = one chromatic octave, Z / X = octave down / up.
// Test hook: window.__laeKeyboard = {ready, played, sounding, log: [{midi, on_ms, off_ms, latency_ms}], ...}
const KEYS = "awsedftgyhujk";
const BLACK = new Set([1, 3, 6, 8, 10]);

function b64ToArrayBuffer(text) {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes.buffer;
}

function hook() {
  if (!window.__laeKeyboard) window.__laeKeyboard = { ready: false, played: 0, sounding: [], log: [] };
  return window.__laeKeyboard;
}

function ensureContext(state) {
  if (!state.ctx) {
    const ctx = new (window.AudioContext || window.webkitAudioContext)({ latencyHint: state.latencyHint });
    // A limiter after the voices: chords never go past about -1 dBFS.
    const limiter = ctx.createDynamicsCompressor();
    limiter.threshold.value = -6; limiter.knee.value = 0; limiter.ratio.value = 20;
    limiter.attack.value = 0.002; limiter.release.value = 0.1;
    const master = ctx.createGain();
    master.gain.value = 0.7;
    master.connect(limiter).connect(ctx.destination);
    state.ctx = ctx; state.master = master;
  }
  return state.ctx;
}

async function loadNotes(state, data, root) {
  const ctx = ensureContext(state);
  const digest = data.digest;
  state.digest = digest;
  root.dataset.ready = "0";
  hook().ready = false;
  const buffers = new Map();
  // a note without a WAV plays the first note's (an unpitched sound: the same on every key)
  const decoded = await Promise.all(data.notes.map((n) => (n.wav ? ctx.decodeAudioData(b64ToArrayBuffer(n.wav)) : null)));
  data.notes.forEach((n, i) => {
    const buffer = decoded[i] || decoded[0];
    buffers.set(n.midi, { buffer, loopStart: n.loop[0], loopEnd: Math.min(n.loop[1], buffer.duration) });
  });
  if (state.digest !== digest) return; // a newer timbre arrived meanwhile
  state.buffers = buffers;
  root.dataset.ready = "1";
  Object.assign(hook(), { ready: true, digest, notes: data.notes.length });
}

function updateLabels(state, root, data) {
  const lo = state.windowLo;
  root.querySelectorAll(".lae-key").forEach((el) => {
    const off = Number(el.dataset.midi) - lo;
    el.querySelector(".lae-letter").textContent = off >= 0 && off < KEYS.length ? KEYS[off].toUpperCase() : "";
  });
  const first = data.notes.find((n) => n.midi === lo), last = data.notes.find((n) => n.midi === lo + 12);
  root.querySelector(".lae-status").textContent = first
    ? `Keys A–K play ${first.name}–${last ? last.name : "…"} · Z / X: octave down / up · click or tap the keys too`
    : "";
}

function buildKeys(root, data) {
  const keys = root.querySelector(".lae-keys");
  keys.replaceChildren();
  const whites = data.notes.filter((n) => !BLACK.has(n.midi % 12)).length;
  let w = 0;
  for (const n of data.notes) {
    const el = document.createElement("div");
    const black = BLACK.has(n.midi % 12);
    el.className = "lae-key " + (black ? "lae-black" : "lae-white");
    el.dataset.midi = String(n.midi);
    el.title = n.name;
    el.style.left = black ? `calc(${(w / whites) * 100}% - ${0.35 * (100 / whites)}%)` : `${(w / whites) * 100}%`;
    el.style.width = `${(black ? 0.7 : 1) * (100 / whites)}%`;
    const letter = document.createElement("span");
    letter.className = "lae-letter";
    el.appendChild(letter);
    if (!black) w++;
    keys.appendChild(el);
  }
}

function noteOn(state, root, midi, eventTime) {
  if (state.voices.has(midi) || !state.buffers) return;
  const note = state.buffers.get(midi);
  if (!note) return;
  const ctx = state.ctx;
  if (ctx.state !== "running") ctx.resume();
  const src = ctx.createBufferSource();
  src.buffer = note.buffer;
  src.loop = true; src.loopStart = note.loopStart; src.loopEnd = note.loopEnd;
  const gain = ctx.createGain();
  src.connect(gain).connect(state.master);
  src.start();
  const startAt = ctx.currentTime; // start() with no time: at once, from the next render quantum
  const ts = ctx.getOutputTimestamp ? ctx.getOutputTimestamp() : { contextTime: startAt, performanceTime: performance.now() };
  // ts: the context time being heard now and when (performance clock); startAt is heard that much later
  const audibleMs = ts.performanceTime + (startAt - ts.contextTime) * 1000;
  const latency = audibleMs - eventTime;
  const entry = { midi, on_ms: eventTime, off_ms: null, latency_ms: latency, handler_ms: performance.now() - eventTime,
                  base_latency_ms: (ctx.baseLatency || 0) * 1000,
                  output_latency_ms: (ctx.outputLatency || 0) * 1000, context_state: ctx.state };
  state.voices.set(midi, { src, gain, entry });
  const h = hook();
  h.played += 1; h.log.push(entry); h.sounding = [...state.voices.keys()];
  root.dataset.notesPlayed = String(h.played);
  root.dataset.sounding = h.sounding.join(" ");
  root.dataset.lastLatencyMs = latency.toFixed(1);
  root.querySelector(`.lae-key[data-midi="${midi}"]`)?.classList.add("lae-down");
}

function noteOff(state, root, midi, eventTime) {
  const voice = state.voices.get(midi);
  if (!voice) return;
  const t = state.ctx.currentTime;
  voice.gain.gain.setValueAtTime(1, t);
  voice.gain.gain.linearRampToValueAtTime(0, t + state.release);
  voice.src.stop(t + state.release + 0.02);
  voice.entry.off_ms = eventTime;
  state.voices.delete(midi);
  const h = hook();
  h.sounding = [...state.voices.keys()];
  root.dataset.sounding = h.sounding.join(" ");
  root.querySelector(`.lae-key[data-midi="${midi}"]`)?.classList.remove("lae-down");
}

function typing(ev) {
  const t = ev.composedPath ? ev.composedPath()[0] : ev.target;
  return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
}

export default function (component) {
  const { data, parentElement } = component;
  const root = parentElement.querySelector(".lae-kb");
  if (!root || !data || !data.notes) return;
  const state = root.__lae || (root.__lae = { voices: new Map(), buffers: null, digest: null });
  if (state.listeners) state.listeners.forEach(([target, type, fn]) => target.removeEventListener(type, fn));
  state.release = data.release_s;
  state.latencyHint = data.latency_hint ?? 0;
  const los = data.notes.map((n) => n.midi);
  const lowest = Math.min(...los), highest = Math.max(...los);
  if (state.digest !== data.digest) {
    [...state.voices.keys()].forEach((m) => noteOff(state, root, m, performance.now()));
    buildKeys(root, data);
    // a new timbre keeps the octave being played; a new range starts where the page says
    const keep = state.windowLo != null && state.range === `${lowest}-${highest}`;
    if (!keep) state.windowLo = Math.max(lowest, Math.min(data.window_lo, highest - 12));
    state.range = `${lowest}-${highest}`;
    loadNotes(state, data, root).catch((err) => {
      root.querySelector(".lae-status").textContent = "These notes could not be prepared for playing: " + err;
    });
  }
  updateLabels(state, root, data);

  const midiOf = (ev) => {
    const k = KEYS.indexOf((ev.key || "").toLowerCase());
    return k < 0 ? null : state.windowLo + k;
  };
  const down = (ev) => {
    if (ev.repeat || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev)) return;
    const key = (ev.key || "").toLowerCase();
    if (key === "z" || key === "x") {
      const next = state.windowLo + (key === "z" ? -12 : 12);
      if (next >= lowest && next <= highest) { state.windowLo = next; updateLabels(state, root, data); }
      return;
    }
    const midi = midiOf(ev);
    if (midi !== null) { noteOn(state, root, midi, ev.timeStamp); ev.preventDefault(); }
  };
  const up = (ev) => {
    const midi = midiOf(ev);
    if (midi !== null) noteOff(state, root, midi, ev.timeStamp);
  };
  const pointerDown = (ev) => {
    const el = ev.target.closest ? ev.target.closest(".lae-key") : null;
    if (!el) return;
    const midi = Number(el.dataset.midi);
    state.pointer = midi;
    noteOn(state, root, midi, ev.timeStamp);
  };
  const pointerUp = (ev) => {
    if (state.pointer != null) { noteOff(state, root, state.pointer, ev.timeStamp); state.pointer = null; }
  };
  const blur = () => [...state.voices.keys()].forEach((m) => noteOff(state, root, m, performance.now()));
  const keys = root.querySelector(".lae-keys");
  state.listeners = [[window, "keydown", down], [window, "keyup", up], [keys, "pointerdown", pointerDown],
                     [window, "pointerup", pointerUp], [window, "blur", blur]];
  state.listeners.forEach(([target, type, fn]) => target.addEventListener(type, fn));
  return () => {
    state.listeners.forEach(([target, type, fn]) => target.removeEventListener(type, fn));
    blur();
  };
}
