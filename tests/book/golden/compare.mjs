// Train every golden configuration with the playground's JavaScript port and
// compare with what the package wrote (tests/book/golden/playground.json).
// Prints one JSON line: the largest relative differences and the worst runs.
// Run by tests/book/test_playground.py: node tests/book/golden/compare.mjs
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const port = join(here, "..", "..", "..", "book", "_playground");
const { Trainer, decodeDataset } = await import(join(port, "mytorch.js"));
const { DATASETS } = await import(join(port, "datasets.js"));
const golden = JSON.parse(readFileSync(join(here, "playground.json"), "utf8"));

const data = decodeDataset(DATASETS[golden.dataset]);
const rel = (a, b, scale = Math.abs(b)) => Math.abs(a - b) / Math.max(scale, 1e-300);

function checksums(array) {
  let abs = 0, sq = 0, probe = 0;
  array.forEach((v, i) => { abs += Math.abs(v); sq += v * v; probe += v * ((i % 7) - 3); });
  return [abs, sq, probe];
}

const worst = { losses: [0, ""], params: [0, ""], buffers: [0, ""], logits: [0, ""] };
const note = (kind, value, name) => {
  if (!(value <= worst[kind][0])) worst[kind] = [value, name];  // NaN counts as worst
};
for (const [name, run] of Object.entries(golden.runs)) {
  const trainer = new Trainer(data, {
    seed: golden.seed, hidden: golden.hidden, batchSize: golden.batch_size,
    activation: run.activation, batchnorm: run.batchnorm, dropout: run.dropout,
    optimizer: run.optimizer, hyper: run.hyper,
  });
  run.losses.forEach((expected) => note("losses", rel(trainer.step(), expected), name));
  const compare = (kind, arrays, expected) => arrays.forEach((array, i) => {
    const [abs, sq, probe] = checksums(array);
    note(kind, rel(abs, expected[i][0]), name);
    note(kind, rel(sq, expected[i][1]), name);
    note(kind, rel(probe, expected[i][2], 3 * expected[i][0]), name);
  });
  compare("params", trainer.model.params.map((p) => p.data), run.params);
  const buffers = trainer.model.layers.filter((l) => l.kind === "batchnorm")
    .flatMap((l) => [l.runningMean, l.runningVar]);
  if (buffers.length !== run.buffers.length) worst.buffers = [Infinity, name];
  compare("buffers", buffers, run.buffers);
  const n = golden.n_logits, x = data.xTest.slice(0, 2 * n);
  const logits = trainer.model.forward(x, n, false);
  // relative to the largest logit: a logit near 0 is not known to 1e-10 of itself
  const largest = Math.max(...run.logits.map(Math.abs));
  run.logits.forEach((expected, i) => note("logits", rel(logits[i], expected, largest), name));
}
console.log(JSON.stringify({ runs: Object.keys(golden.runs).length, worst }));
