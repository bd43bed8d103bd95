// The live page: log in, follow an underlying over the WebSocket feed, show its chain with IV
// and Greeks, the IV smile per expiry, and PCR and max pain over the day. Everything it shows
// comes from the gateway's REST API and WebSocket; it computes nothing but the picture.
"use strict";

const API = "/api/v1";
const REFRESH_MARGIN_SECONDS = 30;
const RECONNECT_SECONDS = [1, 2, 5, 10];
const HISTORY_POINTS = 2000;     // at most this many points in the day's charts
const LIVE_POINT_EVERY_MS = 5000; // a live update adds a point at most this often

const state = {
  tokens: null,        // the login's TokenPair
  socket: null,
  reconnects: 0,
  underlying: "NIFTY",
  expiry: "",
  chains: new Map(),   // expiry -> latest chain
  history: [],         // analytics points of the day for the shown expiry
  alertPosition: null, // stream_id of the last alert, to resume after a reconnect
  chainPosition: null, // resume_from of the last chain update of state.chains, likewise
  refreshTimer: null,
};

const $ = (id) => document.getElementById(id);

function setStatus(text, kind) {
  const status = $("status");
  status.textContent = text;
  status.dataset.state = kind;
}

function bearer() {
  return { Authorization: `Bearer ${state.tokens.access_token}` };
}

async function api(path, options = {}) {
  const response = await fetch(API + path, options);
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) {
    const field = body && body.field ? ` (${body.field})` : "";
    throw new Error(`${(body && body.message) || response.statusText}${field}`);
  }
  return body;
}

// ---- authentication --------------------------------------------------------------------

async function logIn(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const tokens = await api("/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: $("username").value, password: $("password").value }),
    });
    signedIn(tokens);
  } catch (error) {
    $("login-error").textContent = error.message;
    return;
  }
  showCaller();
  followUntilDone();
}

async function showCaller() {
  try {
    const me = await api("/auth/me", { headers: bearer() });
    $("who").textContent = `${me.subject} (${me.roles.join(", ")})`;
  } catch (error) {
    $("who").textContent = "";
  }
}

// Follow the chosen underlying; while the gateway cannot serve yet, try again.
async function followUntilDone(attempt = 0) {
  try {
    await follow();
  } catch (error) {
    if (!state.tokens) return;
    const wait = RECONNECT_SECONDS[Math.min(attempt, RECONNECT_SECONDS.length - 1)];
    setStatus(`${error.message}; retrying in ${wait} s`, "error");
    setTimeout(() => followUntilDone(attempt + 1), wait * 1000);
  }
}

function signedIn(tokens) {
  state.tokens = tokens;
  $("login-panel").hidden = true;
  $("market-panel").hidden = false;
  $("logout").hidden = false;
  clearTimeout(state.refreshTimer);
  const seconds = Math.max(5, tokens.access_token_expires_in_seconds - REFRESH_MARGIN_SECONDS);
  state.refreshTimer = setTimeout(refreshTokens, seconds * 1000);
}

async function refreshTokens() {
  try {
    const tokens = await api("/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: state.tokens.refresh_token }),
    });
    signedIn(tokens);
    send({ type: "auth", token: tokens.access_token });
  } catch (error) {
    signOut(`session ended: ${error.message}`);
  }
}

async function logOut() {
  const refresh = state.tokens && state.tokens.refresh_token;
  signOut("signed out");
  if (refresh) {
    await api("/auth/logout", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: refresh }),
    }).catch(() => undefined);
  }
}

function signOut(message) {
  clearTimeout(state.refreshTimer);
  state.tokens = null;
  if (state.socket) state.socket.close(1000);
  state.socket = null;
  $("market-panel").hidden = true;
  $("login-panel").hidden = false;
  $("logout").hidden = true;
  $("who").textContent = "";
  setStatus(message, "signed-out");
}

// ---- following an underlying -------------------------------------------------------------

async function follow(event) {
  if (event) event.preventDefault();
  const underlying = $("underlying").value.trim().toUpperCase();
  const changed = underlying !== state.underlying;
  state.underlying = underlying;
  const { expiries } = await api(`/chains/${encodeURIComponent(underlying)}/expiries`,
    { headers: bearer() });
  const select = $("expiry");
  const chosen = !changed && expiries.includes(select.value) ? select.value : expiries[0] || "";
  select.replaceChildren(...expiries.map((expiry) => new Option(expiry, expiry)));
  select.value = chosen;
  state.expiry = chosen;
  if (changed) {
    state.chains.clear();
    state.chainPosition = null; // a new underlying starts from its stored chains
  }
  await loadHistory();
  connect();
}

async function chooseExpiry() {
  state.expiry = $("expiry").value;
  renderChain();
  await loadHistory();
}

function startOfDayNs() {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  return BigInt(start.getTime()) * 1000000n;
}

async function loadHistory() {
  state.history = [];
  if (!state.expiry) return renderHistory();
  const query = new URLSearchParams({
    expiry: state.expiry, start_ns: startOfDayNs().toString(), page_size: "2000",
  });
  try {
    const page = await api(`/analytics/${encodeURIComponent(state.underlying)}/history?${query}`,
      { headers: bearer() });
    state.history = page.points.slice(-HISTORY_POINTS).map((point) => ({
      time: point.timestamp_ns / 1e6, pcr: point.analytics.pcr_open_interest,
      maxPain: point.analytics.max_pain, spot: point.spot,
    }));
  } catch (error) {
    setStatus(`history: ${error.message}`, "error");
  }
  renderHistory();
}

// ---- the WebSocket feed ----------------------------------------------------------------

function connect() {
  if (state.socket) state.socket.close(1000);
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${API}/ws`;
  const socket = new WebSocket(url, ["deltastream.v1", `bearer.${state.tokens.access_token}`]);
  state.socket = socket;
  setStatus("connecting", "connecting");
  socket.onopen = () => {
    const subscription = { type: "subscribe", underlyings: [state.underlying] };
    if (state.alertPosition) subscription.resume_from = state.alertPosition;
    if (state.chainPosition) subscription.chains_resume_from = state.chainPosition;
    socket.send(JSON.stringify(subscription));
  };
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = (event) => {
    if (state.socket !== socket || !state.tokens) return;
    if (event.code === 4401 || event.code === 4403) return signOut(event.reason || "signed out");
    const wait = RECONNECT_SECONDS[Math.min(state.reconnects, RECONNECT_SECONDS.length - 1)];
    state.reconnects += 1;
    setStatus(`disconnected; retrying in ${wait} s`, "error");
    setTimeout(() => state.socket === socket && connect(), wait * 1000);
  };
}

function send(message) {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) {
    state.socket.send(JSON.stringify(message));
  }
}

function receive(message) {
  switch (message.type) {
    case "ready":
      state.reconnects = 0;
      setStatus("live", "live");
      break;
    case "chain":
      onChain(message.chain, message.resume_from);
      break;
    case "alert":
      onAlert(message.event);
      break;
    case "error":
      setStatus(`${message.code}: ${message.message}`, "error");
      break;
    default:
      break;
  }
}

function onChain(chain, resumeFrom) {
  if (chain.underlying !== state.underlying) return;
  state.chainPosition = resumeFrom || null; // none yet: a reconnect subscribes afresh
  const previous = state.chains.get(chain.expiry);
  if (previous && previous.version >= chain.version) return;
  state.chains.set(chain.expiry, chain);
  if (!$("expiry").querySelector(`option[value="${chain.expiry}"]`)) {
    $("expiry").append(new Option(chain.expiry, chain.expiry));
    if (!state.expiry) state.expiry = $("expiry").value = chain.expiry;
  }
  if (chain.expiry === state.expiry) {
    renderChain();
    addLivePoint(chain);
  }
  renderSmile();
}

function addLivePoint(chain) {
  const time = chain.timestamp_ns / 1e6;
  const last = state.history[state.history.length - 1];
  if (last && time - last.time < LIVE_POINT_EVERY_MS) return;
  state.history.push({
    time, pcr: chain.analytics.pcr_open_interest, maxPain: chain.analytics.max_pain,
    spot: chain.spot,
  });
  if (state.history.length > HISTORY_POINTS) state.history.splice(0, state.history.length - HISTORY_POINTS);
  renderHistory();
}

function onAlert(event) {
  state.alertPosition = event.stream_id || state.alertPosition;
  const item = document.createElement("li");
  item.textContent = `${new Date(event.timestamp_ns / 1e6).toLocaleTimeString()} ${event.message}`;
  $("alerts").prepend(item);
}

// ---- rendering ---------------------------------------------------------------------------

const number = (value, digits = 2) => (value === null || value === undefined ? "–"
  : value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const percent = (value) => (value === null || value === undefined ? "–" : `${(value * 100).toFixed(2)}%`);
const integer = (value) => (value === null || value === undefined ? "–" : value.toLocaleString());

const CALL_CELLS = [
  ["call-oi", (q) => integer(q.open_interest)],
  ["call-gamma", (q) => number(q.greeks.gamma, 5)],
  ["call-delta", (q) => number(q.greeks.delta, 3)],
  ["call-iv", (q) => percent(q.iv)],
  ["call-bid", (q) => number(q.bid)],
  ["call-ask", (q) => number(q.ask)],
  ["call-last", (q) => number(q.last)],
];
const PUT_CELLS = [
  ["put-last", (q) => number(q.last)],
  ["put-bid", (q) => number(q.bid)],
  ["put-ask", (q) => number(q.ask)],
  ["put-iv", (q) => percent(q.iv)],
  ["put-delta", (q) => number(q.greeks.delta, 3)],
  ["put-gamma", (q) => number(q.greeks.gamma, 5)],
  ["put-oi", (q) => integer(q.open_interest)],
];

function renderChain() {
  const chain = state.chains.get(state.expiry);
  const body = $("chain-table").tBodies[0];
  if (!chain) {
    body.replaceChildren();
    $("chain-caption").textContent = "waiting for the first update";
    return;
  }
  const atm = chain.analytics.atm_strike;
  const rows = new Map([...body.rows].map((row) => [row.dataset.strike, row]));
  const wanted = chain.rows.map((row) => String(row.strike));
  if (rows.size !== wanted.length || wanted.some((strike) => !rows.has(strike))) {
    body.replaceChildren(...chain.rows.map((row) => newRow(row.strike)));
    rows.clear();
    for (const row of body.rows) rows.set(row.dataset.strike, row);
  }
  for (const row of chain.rows) {
    const tr = rows.get(String(row.strike));
    tr.classList.toggle("atm", row.strike === atm);
    fill(tr, CALL_CELLS, row.call, chain.forward !== null && row.strike < chain.forward, "itm-call");
    fill(tr, PUT_CELLS, row.put, chain.forward !== null && row.strike > chain.forward, "itm-put");
  }
  $("chain-caption").textContent = `${chain.underlying} ${chain.expiry} · version ${chain.version}`;
  $("summary").innerHTML = `spot <b>${number(chain.spot)}</b> · forward <b>${number(chain.forward)}</b>`
    + ` · ATM IV <b>${percent(chain.analytics.atm_iv)}</b>`
    + ` · PCR <b>${number(chain.analytics.pcr_open_interest, 3)}</b>`
    + ` · max pain <b>${number(chain.analytics.max_pain, 0)}</b>`
    + ` · ${new Date(chain.timestamp_ns / 1e6).toLocaleTimeString()}`;
}

function newRow(strike) {
  const tr = document.createElement("tr");
  tr.dataset.strike = String(strike);
  const cell = (field) => {
    const td = document.createElement("td");
    td.dataset.field = field;
    return td;
  };
  for (const [field] of CALL_CELLS) tr.append(cell(field));
  const middle = cell("strike");
  middle.className = "strike";
  middle.textContent = number(strike, 0);
  tr.append(middle);
  for (const [field] of PUT_CELLS) tr.append(cell(field));
  return tr;
}

function fill(tr, cells, quote, inTheMoney, itmClass) {
  for (const [field, format] of cells) {
    const td = tr.querySelector(`td[data-field="${field}"]`);
    const text = quote ? format(quote) : "";
    td.classList.toggle(itmClass, inTheMoney);
    if (td.textContent !== text) {
      td.textContent = text;
      td.classList.remove("flash");
      void td.offsetWidth; // restart the animation
      td.classList.add("flash");
    }
  }
}

function renderSmile() {
  const expiries = [...state.chains.keys()].sort();
  const series = expiries.map((expiry) => {
    const chain = state.chains.get(expiry);
    const forward = chain.forward;
    // The out-of-the-money side of each strike: puts below the forward, calls above.
    const points = chain.rows.map((row) => {
      const quote = forward !== null && row.strike < forward ? row.put : row.call;
      return [row.strike, quote && quote.iv !== null ? quote.iv * 100 : NaN];
    });
    return { name: expiry, points };
  });
  window.DeltaCharts.drawLines($("smile-chart"), series, {
    formatY: (y) => `${y.toFixed(1)}%`,
  });
}

function renderHistory() {
  const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const points = state.history;
  window.DeltaCharts.drawLines($("pcr-chart"),
    [{ name: "PCR (OI)", points: points.map((p) => [p.time, p.pcr ?? NaN]) }],
    { formatX: clock, formatY: (y) => y.toFixed(2) });
  window.DeltaCharts.drawLines($("max-pain-chart"), [
    { name: "max pain", points: points.map((p) => [p.time, p.maxPain ?? NaN]) },
    { name: "spot", points: points.map((p) => [p.time, p.spot ?? NaN]) },
  ], { formatX: clock, formatY: (y) => y.toFixed(0) });
}

// ---- wiring ------------------------------------------------------------------------------

$("login-form").addEventListener("submit", logIn);
$("pick-form").addEventListener("submit", (event) => follow(event).catch(
  (error) => setStatus(error.message, "error")));
$("expiry").addEventListener("change", chooseExpiry);
$("logout").addEventListener("click", logOut);
