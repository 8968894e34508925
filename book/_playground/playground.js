// The playground page: controls, live training in small slices, drawing,
// the shareable URL and "export as Python". The numbers come from mytorch.js,
// the package's math ported line by line; nothing is fetched from elsewhere.
// The same script runs the chapters' small embedded copies (embed.html): there
// the element #pg-app has the class pg-compact, and the stylesheet shows only
// the drawings, Play, One step and Reset.
import { Generator, Trainer, decodeDataset, INITS } from "./mytorch.js";
import { DATASETS } from "./datasets.js";

const COLORS = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127]];
const TASKS = ["moons", "circles", "blobs", "noisy_moons", "spiral"];
/** The playground's defaults: the atlas's network and hyperparameters (mytorch.experiment). */
const DEFAULTS = {
  task: "moons", hidden: "32,32", act: "relu", opt: "adam", lr: "0.02", momentum: "0.9",
  nesterov: "0", alpha: "0.99", beta1: "0.9", beta2: "0.999", eps: "1e-8", wd: "0",
  batch: "100", bn: "0", dropout: "0", seed: "0",
};
/** Chosen with an optimizer: the atlas's settings (mytorch.experiment.OPTIMIZER_DEFAULTS). */
const OPTIMIZER_DEFAULTS = {
  sgd: { lr: "0.4", momentum: "0.9", nesterov: "0", wd: "0" },
  rmsprop: { lr: "0.04", alpha: "0.99", eps: "1e-8", momentum: "0", wd: "0" },
  adam: { lr: "0.02", beta1: "0.9", beta2: "0.999", eps: "1e-8", wd: "0" },
  // Adam's rate, and AdamW's own default decay (PyTorch's and the package's 1e-2)
  adamw: { lr: "0.02", beta1: "0.9", beta2: "0.999", eps: "1e-8", wd: "0.01" },
};
const OPTIONS = {  // which hyperparameters each optimizer reads
  sgd: ["lr", "momentum", "nesterov", "wd"],
  rmsprop: ["lr", "alpha", "eps", "momentum", "wd"],
  adam: ["lr", "beta1", "beta2", "eps", "wd"],
  adamw: ["lr", "beta1", "beta2", "eps", "wd"],
};
const SLICE_MS = 12;  // training time per slice before the page gets the thread back
const DRAW_MS = 200;  // while playing, the views are redrawn at most this often
const GRID = 64;  // the decision regions are evaluated on GRID x GRID points
const EXTENT = 2.6;  // ... over [-EXTENT, EXTENT]^2 of the standardised plane

const $ = (id) => document.getElementById(id);

/** The page's controls and drawings, put into the empty element #pg-app. */
const MARKUP = `
<form class="pg-controls" onsubmit="return false">
  <fieldset><legend>Data</legend>
    <label>task <select id="pg-task">
      <option value="moons">moons</option><option value="circles">circles</option>
      <option value="blobs">blobs</option><option value="noisy_moons">noisy moons</option>
      <option value="spiral">spiral</option><option value="csv">CSV file ...</option>
    </select></label>
    <label>CSV <input id="pg-csv" type="file" accept=".csv,text/csv"></label>
    <label><input id="pg-show-test" type="checkbox" checked> show test points</label>
  </fieldset>
  <fieldset><legend>Network</legend>
    <label>hidden widths <input id="pg-hidden" size="9" value="32,32"
      title="comma-separated, e.g. 32,32; empty for a linear model"></label>
    <label>activation <select id="pg-act">
      <option value="relu">ReLU</option><option value="gelu">GELU</option>
      <option value="sigmoid">Sigmoid</option><option value="tanh">Tanh</option>
    </select></label>
    <label><input id="pg-bn" type="checkbox"> BatchNorm</label>
    <label>Dropout p <input id="pg-dropout" type="number" min="0" max="0.95" step="0.05"
      value="0"></label>
  </fieldset>
  <fieldset><legend>Optimizer</legend>
    <label>optimizer <select id="pg-opt">
      <option value="sgd">SGD</option><option value="rmsprop">RMSprop</option>
      <option value="adam">Adam</option><option value="adamw">AdamW</option>
    </select></label>
    <label>lr <input id="pg-lr" size="6"></label>
    <label>momentum <input id="pg-momentum" size="5"></label>
    <label><input id="pg-nesterov" type="checkbox"> Nesterov</label>
    <label>alpha <input id="pg-alpha" size="5"></label>
    <label>beta1 <input id="pg-beta1" size="5"></label>
    <label>beta2 <input id="pg-beta2" size="6"></label>
    <label>eps <input id="pg-eps" size="6"></label>
    <label>weight decay <input id="pg-wd" size="6"></label>
  </fieldset>
  <fieldset class="pg-run"><legend>Run</legend>
    <label>batch size <input id="pg-batch" size="5"></label>
    <label>seed <input id="pg-seed" size="6"></label>
    <button id="pg-play" type="button">Play</button>
    <button id="pg-step" type="button">One step</button>
    <button id="pg-reset" type="button">Reset</button>
    <a id="pg-share" href="#">link to this run</a>
    <button id="pg-export" type="button">Export as Python</button>
    <a id="pg-open" target="_top" hidden>open in the playground</a>
  </fieldset>
</form>
<p id="pg-status" class="pg-status" aria-live="polite">loading ...</p>
<div class="pg-views">
  <canvas id="pg-regions" width="360" height="360"
    aria-label="decision regions and points"></canvas>
  <div class="pg-layers">
    <label>view <select id="pg-view"><option value="0">input plane</option></select></label>
    <canvas id="pg-layer-view" width="360" height="360"
      aria-label="the plane as a hidden layer sees it"></canvas>
  </div>
  <div class="pg-curves">
    <canvas id="pg-loss" width="360" height="170" aria-label="loss curves"></canvas>
    <canvas id="pg-accuracy" width="360" height="170" aria-label="accuracy curves"></canvas>
  </div>
</div>
<table id="pg-stats" class="pg-stats">
  <caption>Hidden layers on the last minibatch: the activations, and the gradient of
    the loss with respect to them</caption>
  <thead><tr><th>layer</th><th>mean</th><th>std</th><th id="pg-flag-name">dead</th>
    <th>gradient mean</th><th>gradient std</th></tr></thead>
  <tbody></tbody>
</table>
<pre id="pg-python" class="pg-python" hidden></pre>
`;

// ---------------------------------------------------------------- configuration
function readForm() {
  const config = {};
  for (const key of Object.keys(DEFAULTS)) {
    const el = $(`pg-${key}`);
    config[key] = el.type === "checkbox" ? (el.checked ? "1" : "0") : el.value.trim();
  }
  return config;
}

function writeForm(config) {
  for (const [key, value] of Object.entries(config)) {
    const el = $(`pg-${key}`);
    if (!el) continue;
    if (el.type === "checkbox") el.checked = value === "1";
    else el.value = value;
  }
  showOptions();
}

function showOptions() {
  const used = OPTIONS[$("pg-opt").value];
  for (const key of ["momentum", "nesterov", "alpha", "beta1", "beta2", "eps", "wd"]) {
    $(`pg-${key}`).closest("label").hidden = !used.includes(key);
  }
}

function number(config, key, { min = -Infinity, max = Infinity, integer = false } = {}) {
  const v = Number(config[key]);
  if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new RangeError(`${key} = ${JSON.stringify(config[key])} is not valid`);
  }
  return v;
}

/** The trainer's configuration from the form's strings (throws with a message). */
function trainerConfig(config) {
  const hidden = config.hidden === "" ? [] : config.hidden.split(",").map((w) => Number(w));
  if (hidden.some((w) => !Number.isInteger(w) || w < 1 || w > 256) || hidden.length > 6) {
    throw new RangeError("hidden widths: up to 6 integers from 1 to 256, e.g. 32,32");
  }
  const hyper = { lr: number(config, "lr", { min: 0 }) };
  const used = OPTIONS[config.opt];
  if (!used) throw new RangeError(`unknown optimizer ${config.opt}`);
  if (used.includes("momentum")) {
    hyper.momentum = number(config, "momentum", { min: 0, max: 0.999 });
  }
  if (used.includes("nesterov")) {
    hyper.nesterov = config.nesterov === "1";
    if (hyper.nesterov && hyper.momentum === 0) throw new RangeError("Nesterov needs momentum > 0");
  }
  if (used.includes("alpha")) hyper.alpha = number(config, "alpha", { min: 0, max: 0.9999 });
  if (used.includes("beta1")) {
    hyper.betas = [number(config, "beta1", { min: 0, max: 0.9999 }),
      number(config, "beta2", { min: 0, max: 0.99999 })];
  }
  if (used.includes("eps")) hyper.eps = number(config, "eps", { min: 0 });
  hyper.weight_decay = number(config, "wd", { min: 0 });
  return {
    hidden, activation: config.act, optimizer: config.opt, hyper,
    batchSize: number(config, "batch", { min: 2, max: 10000, integer: true }),
    batchnorm: config.bn === "1",
    dropout: number(config, "dropout", { min: 0, max: 0.95 }),
    seed: number(config, "seed", { min: 0, max: 2 ** 32 - 1, integer: true }),
  };
}

const OPTIONAL = ["momentum", "nesterov", "alpha", "beta1", "beta2", "eps", "wd"];

/** The whole configuration (what this optimizer reads) and the step count, as a query string. */
function toQuery(config, steps) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(config)) {
    if (!OPTIONAL.includes(key) || OPTIONS[config.opt]?.includes(key)) params.set(key, value);
  }
  if (steps) params.set("steps", String(steps));
  return "?" + params.toString();
}

function fromQuery(query) {
  const params = new URLSearchParams(query);
  const config = { ...DEFAULTS };
  if (params.has("opt")) Object.assign(config, OPTIMIZER_DEFAULTS[params.get("opt")] || {});
  for (const key of Object.keys(DEFAULTS)) if (params.has(key)) config[key] = params.get(key);
  const steps = Number(params.get("steps") || 0), view = Number(params.get("view") || 0);
  return { config, steps: Number.isInteger(steps) && steps > 0 ? steps : 0,
    view: Number.isInteger(view) && view > 0 ? view : 0 };
}

/** The link to the run: the query, the hidden layer in view, and uploaded points. */
function here(config, steps) {
  const view = wantedView ?? (Number($("pg-view").value) || 0);
  return toQuery(config, steps) + (view ? `&view=${view}` : "") + pointsHash(config);
}

// ---------------------------------------------------------------- points in the link
// Uploaded points go into the link's hash, which the browser never sends to a
// server: #pg-points- and base64url (a valid element id, as the book's theme
// reads the hash as one). Each coordinate is kept to 16 bits over its range
// (a step of 1/65535 of it) and each label to 4 bits: 4.5 bytes a point, 6
// characters of base64url; the file's name (its first NAME_CHARS characters)
// comes last. The page trains on exactly these rounded
// points, so the link reproduces the run. A link holds at most LINK_POINTS
// points (about 24,000 characters); a larger file trains in the page, and its
// link says that it holds the settings without the points.
const LINK_POINTS = 4000;
const LEVELS = 65535;  // a coordinate's codes: 0 .. LEVELS over [lo, hi]
const HEADER = 37;  // version (1 byte), n (uint32), lo and hi of x1 and x2 (4 float64)
const HASH = "#pg-points-";
const NAME_CHARS = 80;

/** The points that codes stand for: lo + code * (hi - lo) / LEVELS, coordinate by coordinate. */
function pointsFrom(lo, hi, codes, labels) {
  const step = [0, 1].map((k) => (hi[k] - lo[k]) / LEVELS);
  const x = Array.from(codes, (code, j) => lo[j % 2] + code * step[j % 2]);
  return { x, y: Array.from(labels), lo, hi, codes };
}

/** Points from a file, rounded to the link's 16 bits per coordinate. */
function quantisePoints(x, y) {
  const lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
  x.forEach((v, j) => {
    lo[j % 2] = Math.min(lo[j % 2], v);
    hi[j % 2] = Math.max(hi[j % 2], v);
  });
  const step = [0, 1].map((k) => (hi[k] - lo[k]) / LEVELS);
  if (!step.every(Number.isFinite)) {
    throw new RangeError("the coordinates span a range wider than float64 numbers hold");
  }
  const codes = Uint16Array.from(x, (v, j) => step[j % 2] > 0
    ? Math.round((v - lo[j % 2]) / step[j % 2]) : 0);
  return pointsFrom(lo, hi, codes, y);
}

function encodePoints(points, name) {
  const n = points.y.length, end = HEADER + 4 * n + Math.ceil(n / 2);
  const nameBytes = new TextEncoder().encode(Array.from(name).slice(0, NAME_CHARS).join(""));
  const bytes = new Uint8Array(end + nameBytes.length);
  bytes.set(nameBytes, end);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, 1);
  view.setUint32(1, n, true);
  [points.lo[0], points.hi[0], points.lo[1], points.hi[1]]
    .forEach((v, i) => view.setFloat64(5 + 8 * i, v, true));
  points.codes.forEach((code, j) => view.setUint16(HEADER + 2 * j, code, true));
  points.y.forEach((label, i) => { bytes[HEADER + 4 * n + (i >> 1)] |= label << (4 * (i & 1)); });
  let binary = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodePoints(text) {
  const damaged = (why) => new RangeError(`the link's points are damaged (${why}): `
    + "choose the CSV file again");
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw damaged("not base64url");
  let binary;
  try {
    binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw damaged("not base64url");
  }
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  if (bytes.length < HEADER || bytes[0] !== 1) throw damaged("unknown format");
  const view = new DataView(bytes.buffer), n = view.getUint32(1, true);
  const end = HEADER + 4 * n + Math.ceil(n / 2);
  if (n > LINK_POINTS || bytes.length < end) throw damaged(`${bytes.length} bytes for ${n} points`);
  let name;
  try {
    name = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(end));
  } catch {
    throw damaged("the file's name is not UTF-8");
  }
  const [lo0, hi0, lo1, hi1] = [0, 1, 2, 3].map((i) => view.getFloat64(5 + 8 * i, true));
  if (![lo0, hi0, lo1, hi1].every(Number.isFinite) || lo0 > hi0 || lo1 > hi1) {
    throw damaged("bad ranges");
  }
  const codes = Uint16Array.from({ length: 2 * n },
    (_, j) => view.getUint16(HEADER + 2 * j, true));
  const labels = Array.from({ length: n },
    (_, i) => (bytes[HEADER + 4 * n + (i >> 1)] >> (4 * (i & 1))) & 15);
  const points = pointsFrom([lo0, lo1], [hi0, hi1], codes, labels);
  checkPoints(points.y);
  return { points, name: name || "points.csv" };
}

/** The hash that holds the uploaded points, when the run trains on them and they fit. */
function pointsHash(config) {
  if (config.task !== "csv" || !uploaded?.packed) return "";
  return HASH + uploaded.packed;
}

/** What the link to this run says it holds. */
function shareText(config) {
  if (config.task !== "csv" || !uploaded || uploaded.packed) return "link to this run";
  return `link to this run: the settings only, not the ${uploaded.raw.y.length} points `
    + `(a link holds at most ${LINK_POINTS}); share the file with it`;
}

// ---------------------------------------------------------------- data
let uploaded = null;  // {raw: {x, y, ...}, data, name, packed} from a CSV file or the link
let missingPoints = "";  // why a link that trains on uploaded points came without them
let wantedView = null;  // the hidden layer the link shows, until its option exists

/** split_and_standardize of mytorch.datasets: stratified 25 % test split, seeded 0. */
function splitAndStandardize(x, y) {
  const n = y.length, nClasses = Math.max(...y) + 1;
  const rng = new Generator(0);
  const test = new Uint8Array(n);
  const shuffled = (indices) => Array.from(rng.permutation(indices.length), (i) => indices[i]);
  for (let c = 0; c < nClasses; c++) {
    const members = [];
    for (let i = 0; i < n; i++) if (y[i] === c) members.push(i);
    const t = 0.25 * members.length, f = Math.floor(t);
    // Python's round(): halves to even
    const nTest = t - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(t);
    for (const i of shuffled(members).slice(0, nTest)) test[i] = 1;
  }
  const trainIdx = shuffled([...Array(n).keys()].filter((i) => !test[i]));
  const testIdx = shuffled([...Array(n).keys()].filter((i) => test[i]));
  if (!trainIdx.length || !testIdx.length) throw new RangeError("too few points to split");
  const mean = [0, 0], std = [0, 0];
  for (const i of trainIdx) { mean[0] += x[2 * i]; mean[1] += x[2 * i + 1]; }
  mean[0] /= trainIdx.length; mean[1] /= trainIdx.length;
  for (const i of trainIdx) {
    std[0] += (x[2 * i] - mean[0]) ** 2;
    std[1] += (x[2 * i + 1] - mean[1]) ** 2;
  }
  for (const k of [0, 1]) std[k] = Math.sqrt(std[k] / trainIdx.length) || 1;
  const take = (idx) => {
    const xs = new Float64Array(2 * idx.length), ys = new Int32Array(idx.length);
    idx.forEach((i, r) => {
      xs[2 * r] = (x[2 * i] - mean[0]) / std[0];
      xs[2 * r + 1] = (x[2 * i + 1] - mean[1]) / std[1];
      ys[r] = y[i];
    });
    return [xs, ys];
  };
  const [xTrain, yTrain] = take(trainIdx), [xTest, yTest] = take(testIdx);
  return { nClasses, mean, std, xTrain, yTrain, xTest, yTest };
}

/** Points from a CSV file: x1,x2,label per line (a header line is skipped). */
function parseCsv(text) {
  const x = [], y = [];
  for (const [lineNo, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    const cells = line.split(",").map((c) => c.trim());
    const values = cells.map(Number);
    if (cells.length !== 3 || values.some((v) => !Number.isFinite(v))) {
      if (lineNo === 0 && x.length === 0) continue;  // a header
      throw new RangeError(`line ${lineNo + 1}: expected x1,x2,label, got "${line.slice(0, 40)}"`);
    }
    if (!Number.isInteger(values[2]) || values[2] < 0 || values[2] > 7) {
      throw new RangeError(`line ${lineNo + 1}: the label must be an integer from 0 to 7`);
    }
    x.push(values[0], values[1]);
    y.push(values[2]);
  }
  checkPoints(y);
  return { x, y };
}

function checkPoints(y) {
  if (y.length < 8) throw new RangeError("the file needs at least 8 points");
  if (y.some((label) => label > 7)) throw new RangeError("labels go from 0 to 7");
  if (new Set(y).size < 2) throw new RangeError("the file needs at least 2 classes");
}

const decoded = {};
function dataFor(task) {
  if (task === "csv") {
    if (!uploaded) throw new RangeError(missingPoints || "choose a CSV file of points first");
    return uploaded.data;
  }
  if (!(task in DATASETS)) throw new RangeError(`unknown task ${task}`);
  decoded[task] ??= decodeDataset(DATASETS[task]);
  return decoded[task];
}

// ---------------------------------------------------------------- the run
const run = {
  trainer: null, config: null, data: null, playing: false, history: null, target: 0,
  record: null, lastDraw: 0, rate: { steps: 0, since: 0, value: 0 }, error: "",
};

function reset() {
  run.playing = false;
  run.target = 0;
  run.error = "";
  const config = readForm();
  run.config = config;
  try {
    run.data = dataFor(config.task);
    run.trainer = new Trainer(run.data, trainerConfig(config));
  } catch (error) {
    run.trainer = null;
    run.error = error.message;
  }
  run.history = { epoch: [], trainLoss: [], testLoss: [], trainAcc: [], testAcc: [] };
  run.record = null;
  if (run.trainer) evaluateEpoch();
  history.replaceState(null, "", here(config, 0));
  draw(true);
}

function evaluateEpoch() {
  const { trainer, data, history: h } = run;
  const train = trainer.evaluate(data.xTrain, data.yTrain);
  const test = trainer.evaluate(data.xTest, data.yTest);
  h.epoch.push(trainer.steps === 0 ? 0 : trainer.epoch + trainer.position / data.yTrain.length);
  h.trainLoss.push(train.loss);
  h.testLoss.push(test.loss);
  h.trainAcc.push(train.accuracy);
  h.testAcc.push(test.accuracy);
}

function stepOnce(recordStats) {
  const record = recordStats ? { forward: [], backward: [] } : null;
  const before = run.trainer.epoch;
  let loss;
  try {
    loss = run.trainer.step(record);
  } catch (error) {
    run.error = error.message;
    run.playing = false;
    run.target = 0;
    return;
  }
  if (!Number.isFinite(loss)) {
    run.error = "the loss is not finite: the run diverged (try a smaller learning rate)";
    run.playing = false;
    run.target = 0;
  }
  if (record) run.record = record;
  if (run.trainer.epoch !== before) evaluateEpoch();
}

const channel = new MessageChannel();
let scheduled = false;
function schedule() {
  if (!scheduled) {
    scheduled = true;
    channel.port2.postMessage(null);
  }
}

channel.port1.onmessage = () => {
  scheduled = false;
  if (!run.trainer || (!run.playing && run.trainer.steps >= run.target)) return;
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < SLICE_MS
         && (run.playing || run.trainer.steps < run.target) && !run.error) {
    const last = performance.now() - start > SLICE_MS * 0.8
      || (!run.playing && run.trainer.steps + 1 >= run.target);
    stepOnce(last);
    n += 1;
  }
  run.rate.steps += n;
  const now = performance.now();
  if (now - run.rate.since > 1000) {
    run.rate.value = (run.rate.steps * 1000) / (now - run.rate.since);
    run.rate.steps = 0;
    run.rate.since = now;
  }
  const done = run.error || (!run.playing && run.trainer.steps >= run.target);
  if (done) {
    history.replaceState(null, "", here(run.config, run.trainer.steps));
    draw(true);
  } else {
    if (now - run.lastDraw > DRAW_MS) draw(false);
    schedule();
  }
};

function play() {
  if (!run.trainer) return;
  run.playing = !run.playing;
  run.rate = { steps: 0, since: performance.now(), value: run.rate.value };
  if (run.playing) schedule();
  else {
    run.target = run.trainer.steps;
    history.replaceState(null, "", here(run.config, run.trainer.steps));
  }
  draw(true);
}

/** Train until `steps` (used by the shared URL), then stop. */
function trainTo(steps) {
  if (!run.trainer) return;
  run.playing = false;
  run.target = steps;
  schedule();
}

// ---------------------------------------------------------------- drawing
/** The run's numbers: exact when it is stopped, the last epoch's while it plays. */
function status() {
  const t = run.trainer, h = run.history;
  if (!t) return { steps: 0 };
  if (run.playing) {
    const k = h.epoch.length - 1;
    return { steps: t.steps, epoch: t.epoch, trainLoss: h.trainLoss[k], testLoss: h.testLoss[k],
      trainAccuracy: h.trainAcc[k], testAccuracy: h.testAcc[k] };
  }
  const test = t.evaluate(run.data.xTest, run.data.yTest);
  const train = t.evaluate(run.data.xTrain, run.data.yTrain);
  return {
    steps: t.steps, epoch: t.epoch, trainLoss: train.loss, testLoss: test.loss,
    trainAccuracy: train.accuracy, testAccuracy: test.accuracy,
  };
}

function draw(full) {
  run.lastDraw = performance.now();
  const s = status();
  run.status = s;
  const el = $("pg-status");
  el.dataset.steps = String(s.steps);
  el.dataset.playing = run.playing ? "1" : "0";
  if (run.error) {
    el.textContent = `Error: ${run.error}`;
    el.classList.add("pg-error");
  } else {
    el.classList.remove("pg-error");
    el.dataset.testAccuracy = s.testAccuracy.toFixed(3);
    el.dataset.trainLoss = String(s.trainLoss);
    el.textContent = `step ${s.steps} (epoch ${s.epoch}) · train loss ${s.trainLoss.toFixed(4)}`
      + ` · train accuracy ${s.trainAccuracy.toFixed(3)}`
      + ` · test loss ${s.testLoss.toFixed(4)} · test accuracy ${s.testAccuracy.toFixed(3)}`
      + (run.playing && run.rate.value ? ` · ${run.rate.value.toFixed(0)} steps/s` : "");
  }
  $("pg-play").textContent = run.playing ? "Pause" : "Play";
  $("pg-share").href = location.pathname + here(run.config, s.steps);
  $("pg-share").textContent = shareText(run.config);
  const playground = $("pg-app").dataset.playground;
  if (playground) $("pg-open").href = playground + here(run.config, s.steps);
  if (!run.trainer) return;
  drawRegions();
  drawHidden();
  drawCurves();
  drawStats();
  if (full && !$("pg-python").hidden) $("pg-python").textContent = python();
}

function drawRegions() {
  const canvas = $("pg-regions"), ctx = canvas.getContext("2d");
  const t = run.trainer, c = run.data.nClasses;
  const grid = new Float64Array(2 * GRID * GRID);
  for (let r = 0; r < GRID; r++) {
    for (let q = 0; q < GRID; q++) {
      grid[2 * (r * GRID + q)] = -EXTENT + (2 * EXTENT * (q + 0.5)) / GRID;
      grid[2 * (r * GRID + q) + 1] = EXTENT - (2 * EXTENT * (r + 0.5)) / GRID;
    }
  }
  const logits = t.model.forward(grid, GRID * GRID, false);
  const image = new ImageData(GRID, GRID);
  for (let i = 0; i < GRID * GRID; i++) {
    let m = -Infinity, sum = 0;
    for (let j = 0; j < c; j++) m = Math.max(m, logits[i * c + j]);
    const p = new Array(c);
    for (let j = 0; j < c; j++) sum += (p[j] = Math.exp(logits[i * c + j] - m));
    let rgb = [0, 0, 0], best = 0;
    for (let j = 0; j < c; j++) {
      p[j] /= sum;
      if (p[j] > p[best]) best = j;
      for (let k = 0; k < 3; k++) rgb[k] += p[j] * COLORS[j][k];
    }
    // shading: the surer the network, the deeper the colour (white where it is unsure)
    const sure = c > 1 ? (p[best] - 1 / c) / (1 - 1 / c) : 1, w = 0.3 + 0.5 * sure;
    for (let k = 0; k < 3; k++) image.data[4 * i + k] = 255 * (1 - w) + rgb[k] * w;
    image.data[4 * i + 3] = 255;
  }
  const small = new OffscreenCanvas(GRID, GRID);
  small.getContext("2d").putImageData(image, 0, 0);
  const size = canvas.width;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, size, size);
  const toPx = (v) => ((v + EXTENT) / (2 * EXTENT)) * size;
  const points = (x, y, test) => {
    for (let i = 0; i < y.length; i++) {
      const [r, g, b] = COLORS[y[i]];
      ctx.beginPath();
      ctx.arc(toPx(x[2 * i]), size - toPx(x[2 * i + 1]), test ? 3.2 : 2.4, 0, 2 * Math.PI);
      ctx.fillStyle = test ? "white" : `rgb(${r},${g},${b})`;
      ctx.strokeStyle = test ? `rgb(${r},${g},${b})` : "rgba(0,0,0,0.45)";
      ctx.lineWidth = test ? 1.6 : 0.6;
      ctx.fill();
      ctx.stroke();
    }
  };
  points(run.data.xTrain, run.data.yTrain, false);
  if ($("pg-show-test").checked) points(run.data.xTest, run.data.yTest, true);
}

/** The two leading principal directions of the rows of `a` (n x w), unit length. */
function principalAxes(a, n, w) {
  const mean = new Float64Array(w), cov = new Float64Array(w * w);
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) mean[j] += a[i * w + j] / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < w; j++) {
      const dj = a[i * w + j] - mean[j];
      for (let k = 0; k < w; k++) cov[j * w + k] += (dj * (a[i * w + k] - mean[k])) / n;
    }
  }
  const axes = [];
  for (let r = 0; r < 2; r++) {
    let v = Float64Array.from({ length: w }, (_, j) => 1 + 0.1 * j);
    for (let it = 0; it < 60; it++) {
      const u = new Float64Array(w);
      for (let j = 0; j < w; j++) for (let k = 0; k < w; k++) u[j] += cov[j * w + k] * v[k];
      for (const prev of axes) {  // deflation: stay orthogonal to the first axis
        let d = 0;
        for (let j = 0; j < w; j++) d += u[j] * prev[j];
        for (let j = 0; j < w; j++) u[j] -= d * prev[j];
      }
      const norm = Math.hypot(...u);
      if (!(norm > 0)) break;
      v = u.map((x) => x / norm);
    }
    let big = 0;  // a fixed sign: the largest entry positive, so the view does not flip
    for (let j = 0; j < w; j++) if (Math.abs(v[j]) > Math.abs(v[big])) big = j;
    if (v[big] < 0) v = v.map((x) => -x);
    axes.push(v);
  }
  return { mean, axes };
}

/**
 * The plane as a hidden layer sees it (chapter "Geometry"): the image of a
 * square grid and of the training points after the chosen layer's
 * activation, in the layer's two leading principal directions (its own two
 * coordinates if it has width 2).
 */
function drawHidden() {
  const select = $("pg-view"), canvas = $("pg-layer-view"), ctx = canvas.getContext("2d");
  const model = run.trainer.model, act = run.config.act;
  const nHidden = model.layers.filter((l) => l.kind === act).length;
  if (select.options.length !== nHidden + 1) {
    const keep = Math.min(wantedView ?? (Number(select.value) || 0), nHidden);
    wantedView = null;
    select.innerHTML = "<option value='0'>input plane</option>" + Array.from({ length: nHidden },
      (_, l) => `<option value='${l + 1}'>hidden layer ${l + 1}</option>`).join("");
    select.value = String(keep);
  }
  const layer = Number(select.value);
  const size = canvas.width, lines = 13, samples = 48;
  const grid = new Float64Array(2 * 2 * lines * samples);
  let k = 0;
  for (let a = 0; a < lines; a++) {
    const u = -EXTENT + (2 * EXTENT * a) / (lines - 1);
    for (let s = 0; s < samples; s++) {
      const t = -EXTENT + (2 * EXTENT * s) / (samples - 1);
      grid[k++] = u; grid[k++] = t;
    }
    for (let s = 0; s < samples; s++) {
      const t = -EXTENT + (2 * EXTENT * s) / (samples - 1);
      grid[k++] = t; grid[k++] = u;
    }
  }
  const { xTrain, yTrain } = run.data, n = yTrain.length, m = 2 * lines * samples;
  const outputs = (x, rows) => {
    if (layer === 0) return { values: x, width: 2 };
    const record = [];
    model.forward(x, rows, false, record);
    const out = record.filter((r) => r.kind === act)[layer - 1].out;
    return { values: out, width: out.length / rows };
  };
  const points = outputs(xTrain, n), lineValues = outputs(grid, m).values, w = points.width;
  const { mean, axes } = w === 2
    ? { mean: new Float64Array(2), axes: [[1, 0], [0, 1]] }
    : principalAxes(points.values, n, w);
  const project = (values, i) => {
    let p = 0, q = 0;
    for (let j = 0; j < w; j++) {
      const d = values[i * w + j] - mean[j];
      p += d * axes[0][j];
      q += d * axes[1][j];
    }
    return [p, q];
  };
  const pts = Array.from({ length: n }, (_, i) => project(points.values, i));
  let lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
  for (const [p, q] of pts) {
    lo = [Math.min(lo[0], p), Math.min(lo[1], q)];
    hi = [Math.max(hi[0], p), Math.max(hi[1], q)];
  }
  const span = Math.max(hi[0] - lo[0], hi[1] - lo[1], 1e-9) * 1.15;
  const centre = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2];
  const X = (p) => size / 2 + ((p - centre[0]) / span) * size;
  const Y = (q) => size / 2 - ((q - centre[1]) / span) * size;
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, size, size);
  ctx.strokeStyle = "rgba(120,120,120,0.55)";
  ctx.lineWidth = 0.7;
  for (let l = 0; l < 2 * lines; l++) {
    ctx.beginPath();
    for (let s = 0; s < samples; s++) {
      const [p, q] = project(lineValues, l * samples + s);
      if (s === 0) ctx.moveTo(X(p), Y(q));
      else ctx.lineTo(X(p), Y(q));
    }
    ctx.stroke();
  }
  pts.forEach(([p, q], i) => {
    const [r, g, b] = COLORS[yTrain[i]];
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(X(p) - 1.5, Y(q) - 1.5, 3, 3);
  });
  ctx.fillStyle = "#333";
  ctx.font = "11px sans-serif";
  ctx.fillText(layer === 0 ? "the input plane" : w === 2 ? `hidden layer ${layer}`
    : `hidden layer ${layer}: its 2 leading principal directions of ${w}`, 6, 14);
}

function drawCurves() {
  const h = run.history;
  const panels = [
    ["pg-loss", "loss (cross-entropy)", [h.trainLoss, h.testLoss], null],
    ["pg-accuracy", "accuracy", [h.trainAcc, h.testAcc], [0, 1]],
  ];
  for (const [id, title, series, fixed] of panels) {
    const canvas = $(id), ctx = canvas.getContext("2d");
    const W = canvas.width, H = canvas.height, pad = 28;
    ctx.clearRect(0, 0, W, H);
    ctx.font = "11px sans-serif";
    ctx.fillStyle = "#333";
    ctx.fillText(`${title} per epoch: train (solid), test (dashed)`, pad, 12);
    const all = series.flat().filter(Number.isFinite);
    if (!all.length) continue;
    const [lo, hi] = fixed || [0, Math.max(...all) * 1.05 || 1];
    const xMax = Math.max(1, h.epoch[h.epoch.length - 1]);
    const X = (e) => pad + ((W - pad - 8) * e) / xMax;
    const Y = (v) => H - pad + 8 - ((H - pad - 12) * (v - lo)) / (hi - lo || 1);
    ctx.strokeStyle = "#bbb";
    ctx.strokeRect(pad, 18, W - pad - 8, H - pad - 10);
    ctx.fillText(hi.toFixed(2), 2, 24);
    ctx.fillText(lo.toFixed(2), 2, H - pad + 8);
    ctx.fillText(`epoch ${xMax.toFixed(0)}`, W - 60, H - 4);
    series.forEach((values, k) => {
      ctx.beginPath();
      ctx.setLineDash(k ? [4, 3] : []);
      ctx.strokeStyle = k ? "#d62728" : "#1f77b4";
      values.forEach((v, i) => {
        const y = Math.min(Math.max(Y(Math.min(v, hi)), 18), H - pad + 8);
        if (i === 0) ctx.moveTo(X(h.epoch[i]), y);
        else ctx.lineTo(X(h.epoch[i]), y);
      });
      ctx.stroke();
    });
    ctx.setLineDash([]);
  }
}

function moments(a) {
  let s = 0, ss = 0;
  for (const v of a) { s += v; ss += v * v; }
  const mean = s / a.length;
  return [mean, Math.sqrt(Math.max(ss / a.length - mean * mean, 0))];
}

/** Per hidden layer, on the last minibatch: its activations and the gradient reaching them. */
function drawStats() {
  const body = $("pg-stats").querySelector("tbody");
  const rec = run.record, act = run.config.act;
  if (!rec) {
    body.innerHTML = "<tr><td colspan='6'>take a step to see the statistics</td></tr>";
    return;
  }
  const outs = rec.forward.filter((r) => r.kind === act).map((r) => r.out);
  // backward records each layer's gradient with respect to its input: the gradient
  // with respect to an activation's output is what the layer after it returns
  const grads = [];
  const layers = run.trainer.model.layers;
  for (let i = 0; i < layers.length; i++) {
    if (layers[i].kind !== act) continue;
    const next = rec.backward[layers.length - 1 - (i + 1)];
    grads.push(next ? next.grad : null);
  }
  const rows = outs.map((out, l) => {
    const [mean, std] = moments(out);
    let flagged = 0;
    for (const v of out) {
      if (act === "relu" ? v === 0 : act === "gelu" ? v <= 0
        : act === "tanh" ? Math.abs(v) > 0.97 : v < 0.03 || v > 0.97) flagged += 1;
    }
    const [gMean, gStd] = grads[l] ? moments(grads[l]) : [NaN, NaN];
    return `<tr><td>${l + 1}</td><td>${mean.toFixed(3)}</td><td>${std.toFixed(3)}</td>`
      + `<td>${(flagged / out.length).toFixed(3)}</td><td>${gMean.toExponential(2)}</td>`
      + `<td>${gStd.toExponential(2)}</td></tr>`;
  });
  body.innerHTML = rows.join("") || "<tr><td colspan='6'>no hidden layer</td></tr>";
  $("pg-flag-name").textContent = { relu: "zero (dead) fraction", gelu: "negative fraction",
    tanh: "saturated (|y| > 0.97)", sigmoid: "saturated (y < 0.03 or > 0.97)" }[act];
}

// ---------------------------------------------------------------- export as Python
function pyNumber(v) {
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function python() {
  const config = run.config, tc = trainerConfig(config), steps = run.trainer.steps;
  const init = INITS[tc.activation];
  const act = { relu: "ReLU", gelu: "GELU", sigmoid: "Sigmoid", tanh: "Tanh" }[tc.activation];
  const lines = [];
  let fanIn = 2;
  for (const width of tc.hidden) {
    const bias = tc.batchnorm ? ", bias=False" : "";
    lines.push(`    nn.Linear(${fanIn}, ${width}${bias}, init="${init}"),`);
    if (tc.batchnorm) lines.push(`    nn.BatchNorm1d(${width}),`);
    lines.push(`    nn.${act}(),`);
    if (tc.dropout > 0) lines.push(`    nn.Dropout(${pyNumber(tc.dropout)}),`);
    fanIn = width;
  }
  lines.push(`    nn.Linear(${fanIn}, data.n_classes, init="${init}"),`);
  const h = tc.hyper, args = [`lr=${pyNumber(h.lr)}`];
  if (tc.optimizer === "sgd") {
    args.push(`momentum=${pyNumber(h.momentum)}`);
    if (h.nesterov) args.push("nesterov=True");
  }
  if (tc.optimizer === "rmsprop") {
    args.push(`alpha=${pyNumber(h.alpha)}`, `eps=${pyNumber(h.eps)}`,
      `momentum=${pyNumber(h.momentum)}`);
  }
  if (tc.optimizer === "adam" || tc.optimizer === "adamw") {
    args.push(`betas=(${pyNumber(h.betas[0])}, ${pyNumber(h.betas[1])})`, `eps=${pyNumber(h.eps)}`);
  }
  // AdamW's default decay is 1e-2, not 0: its weight_decay is always written out
  if (h.weight_decay || tc.optimizer === "adamw") {
    args.push(`weight_decay=${pyNumber(h.weight_decay)}`);
  }
  const cls = { sgd: "SGD", rmsprop: "RMSprop", adam: "Adam", adamw: "AdamW" }[tc.optimizer];
  let load;
  if (config.task === "csv") {
    const { x, y } = uploaded.raw;
    const pts = y.map((label, i) => `(${pyNumber(x[2 * i])}, ${pyNumber(x[2 * i + 1])}, ${label})`);
    const rows = [];
    for (let i = 0; i < pts.length; i += 4) {
      rows.push("    " + pts.slice(i, i + 4).join(", ") + ",");
    }
    load = [`points = np.array([  # ${uploaded.name}: x1, x2, label`, ...rows, "])",
      "data = datasets.split_and_standardize(points[:, :2], points[:, 2].astype(np.int64),",
      `                                      name="csv")`];
  } else {
    load = [`data = datasets.load("${config.task}")`];
  }
  return [
    "# The playground's run, with the package: the same numbers, step for step.",
    `# ${location.origin}${location.pathname}${toQuery(config, steps)}`,
    "import numpy as np",
    "",
    "import mytorch",
    "from mytorch import datasets, nn, optim",
    "",
    ...load,
    `mytorch.manual_seed(${tc.seed})  # the initial weights, then Dropout's masks`,
    "model = nn.Sequential(",
    ...lines,
    ")",
    "criterion = nn.CrossEntropyLoss()",
    `opt = optim.${cls}(model.parameters(), ${args.join(", ")})`,
    `rng = np.random.default_rng(${tc.seed})  # the order of the minibatches`,
    `n_train, batch_size, position = len(data.y_train), ${tc.batchSize}, 0`,
    "model.train()",
    `for step in range(${steps}):`,
    "    if position == 0:  # a new epoch: shuffle the training set",
    "        order = rng.permutation(n_train)",
    "    batch = order[position:position + batch_size]",
    "    loss = criterion(model(data.X_train[batch]), data.y_train[batch])",
    "    opt.zero_grad()",
    "    model.backward(criterion.backward())",
    "    opt.step()",
    "    position = 0 if position + batch_size >= n_train else position + batch_size",
    "model.eval()",
    "predicted = model(data.X_test).argmax(axis=1)",
    `print(f"after ${steps} steps: test accuracy {np.mean(predicted == data.y_test):.3f}")`,
    "",
  ].join("\n");
}

// ---------------------------------------------------------------- wiring
function init() {
  const app = $("pg-app");
  if (!app.children.length) app.innerHTML = MARKUP;
  if (app.dataset.playground) $("pg-open").hidden = false;
  const { config, steps, view } = fromQuery(location.search);
  wantedView = view || null;
  if (location.hash.startsWith(HASH)) {
    try {
      const packed = location.hash.slice(HASH.length), { points, name } = decodePoints(packed);
      uploaded = { raw: points, data: splitAndStandardize(points.x, points.y), packed, name };
    } catch (error) {
      missingPoints = error.message;
    }
  } else if (config.task === "csv") {
    missingPoints = "this link trains on points from a CSV file that it does not hold (a link "
      + `holds at most ${LINK_POINTS} points): choose the file`;
  }
  writeForm(config);
  for (const key of Object.keys(DEFAULTS)) {
    $(`pg-${key}`).addEventListener("change", () => {
      if (key === "opt") writeForm(OPTIMIZER_DEFAULTS[$("pg-opt").value]);
      if (key === "task" && $("pg-task").value === "csv" && !uploaded) $("pg-csv").click();
      showOptions();
      reset();
    });
  }
  $("pg-csv").addEventListener("change", async () => {
    const file = $("pg-csv").files[0];
    if (!file) return;
    try {
      const parsed = parseCsv(await file.text());
      const raw = quantisePoints(parsed.x, parsed.y);
      uploaded = { raw, data: splitAndStandardize(raw.x, raw.y), name: file.name,
        packed: raw.y.length <= LINK_POINTS ? encodePoints(raw, file.name) : null };
      $("pg-task").value = "csv";
    } catch (error) {
      uploaded = null;
      $("pg-task").value = "moons";
      alert(`${file.name}: ${error.message}`);
    }
    reset();
  });
  $("pg-play").addEventListener("click", play);
  $("pg-step").addEventListener("click", () => {
    if (!run.trainer || run.playing) return;
    stepOnce(true);
    run.target = run.trainer.steps;
    history.replaceState(null, "", here(run.config, run.trainer.steps));
    draw(true);
  });
  $("pg-reset").addEventListener("click", reset);
  $("pg-show-test").addEventListener("change", () => draw(false));
  $("pg-view").addEventListener("change", () => {
    wantedView = null;
    if (run.trainer) history.replaceState(null, "", here(run.config, run.trainer.steps));
    draw(false);
  });
  $("pg-export").addEventListener("click", () => {
    const pre = $("pg-python");
    pre.hidden = !pre.hidden;
    if (!pre.hidden) pre.textContent = python();
  });
  reset();
  if (steps) trainTo(steps);
}

// A hook for the browser test and for the curious, in the console.
window.mytorchPlayground = {
  run, python, trainTo, play, reset, status: () => run.status, toQuery, TASKS,
  uploaded: () => uploaded, LINK_POINTS,
};
init();
document.documentElement.dataset.playground = "ready";
