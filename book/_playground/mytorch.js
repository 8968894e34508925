// The package's forward, backward and optimizer updates, in float64 (JS numbers).
//
// Each function follows the NumPy code of the same name in `mytorch/` line by
// line, in the same order of operations, so that the page trains the numbers
// the package trains (tests/book/test_playground.py compares the two to 1e-10).
// Arrays are Float64Arrays, row-major: a batch of n rows of width d is n * d.
import { Generator } from "./random.js";

export { Generator };

const TINY = 2.2250738585072014e-308;  // np.finfo(float64).tiny
const FLUSH_EVERY = 64;  // Optimizer.FLUSH_EVERY

function flushSubnormals(a) {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]) < TINY) a[i] = 0;
}

// ---------------------------------------------------------------- erfc (Cephes)
// scipy.special.erfc is Cephes' erfc (S. L. Moshier, BSD licence); these are
// its rational approximations, so GELU agrees with the package's to rounding.
const ERFC_P = [2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
  4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
  9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2];
const ERFC_Q = [1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
  9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
  1.65666309194161350182e3, 5.57535340817727675546e2];
const ERFC_R = [5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
  6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0];
const ERFC_S = [2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
  1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0];
const ERF_T = [9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
  7.00332514112805075473e3, 5.55923013010394962768e4];
const ERF_U = [3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
  2.26290000613890934246e4, 4.92673942608635921086e4];
const MAXLOG = 7.09782712893383996843e2;

function polevl(x, coef) {  // coef[0] x^n + ... + coef[n]
  let ans = coef[0];
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i];
  return ans;
}

function p1evl(x, coef) {  // x^n + coef[0] x^(n-1) + ... (leading 1 implied)
  let ans = x + coef[0];
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i];
  return ans;
}

export function erf(x) {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (Math.abs(x) > 1) return 1 - erfc(x);
  const z = x * x;
  return x * polevl(z, ERF_T) / p1evl(z, ERF_U);
}

export function erfc(a) {
  if (Number.isNaN(a)) return NaN;
  const x = Math.abs(a);
  if (x < 1) return 1 - erf(a);
  let z = -a * a;
  if (z < -MAXLOG) return a < 0 ? 2 : 0;
  z = Math.exp(z);
  let p, q;
  if (x < 8) {
    p = polevl(x, ERFC_P);
    q = p1evl(x, ERFC_Q);
  } else {
    p = polevl(x, ERFC_R);
    q = p1evl(x, ERFC_S);
  }
  let y = (z * p) / q;
  if (a < 0) y = 2 - y;
  if (y !== 0) return y;
  return a < 0 ? 2 : 0;
}

// ---------------------------------------------------------------- layers
// Each layer: forward(x, n, training) -> y (n rows), backward(g) -> dL/dx.
// Parameters are {data, grad} pairs, in the package's parameters() order.

export class Linear {
  constructor(inFeatures, outFeatures, init, gen, bias = true) {
    this.kind = "linear";
    this.inF = inFeatures;
    this.outF = outFeatures;
    this.weight = { data: new Float64Array(outFeatures * inFeatures),
      grad: new Float64Array(outFeatures * inFeatures) };
    this.bias = bias
      ? { data: new Float64Array(outFeatures), grad: new Float64Array(outFeatures) } : null;
    // nn.init.kaiming_uniform_(relu) or xavier_uniform_: uniform(-a, a), row by row
    const bound = init === "he"
      ? Math.sqrt(2) * Math.sqrt(3 / inFeatures)
      : 1 * Math.sqrt(6 / (inFeatures + outFeatures));
    const w = this.weight.data;
    for (let i = 0; i < w.length; i++) w[i] = gen.uniform(-bound, bound);
    this.params = bias ? [this.weight, this.bias] : [this.weight];
  }

  forward(x, n) {
    const d = this.inF, k = this.outF, W = this.weight.data;
    const b = this.bias ? this.bias.data : new Float64Array(k);
    const y = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      const xo = i * d, yo = i * k;
      for (let o = 0; o < k; o++) {
        let s = 0;
        const wo = o * d;
        for (let j = 0; j < d; j++) s += x[xo + j] * W[wo + j];
        y[yo + o] = s + b[o];
      }
    }
    this.x = x;
    this.n = n;
    return y;
  }

  backward(g) {
    const d = this.inF, k = this.outF, n = this.n, x = this.x, W = this.weight.data;
    const gW = this.weight.grad, gb = this.bias ? this.bias.grad : new Float64Array(k);
    const gx = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const xo = i * d, go = i * k;
      for (let o = 0; o < k; o++) {
        const gio = g[go + o];
        if (gio === 0) continue;
        gb[o] += gio;
        const wo = o * d;
        for (let j = 0; j < d; j++) {
          gW[wo + j] += gio * x[xo + j];
          gx[xo + j] += gio * W[wo + j];
        }
      }
    }
    return gx;
  }
}

export class ReLU {
  constructor() { this.kind = "relu"; this.params = []; }

  forward(x) {
    const y = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
    this.x = x;
    return y;
  }

  backward(g) {
    const x = this.x, gx = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) gx[i] = x[i] > 0 ? g[i] : 0;
    return gx;
  }
}

export class Sigmoid {
  constructor() { this.kind = "sigmoid"; this.params = []; }

  // sigma'(x) = z / (1 + z)^2 with z = exp(-|x|): precise where 1 - sigma(x) rounds to 0.
  forward(x) {
    const y = new Float64Array(x.length), z = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      z[i] = Math.exp(-Math.abs(x[i]));
      y[i] = (x[i] >= 0 ? 1 : z[i]) / (1 + z[i]);
    }
    this.z = z;
    return y;
  }

  backward(g) {
    const z = this.z, gx = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) gx[i] = g[i] * (z[i] / ((1 + z[i]) * (1 + z[i])));
    return gx;
  }
}

export class Tanh {
  constructor() { this.kind = "tanh"; this.params = []; }

  // tanh'(x) = 4z / (1 + z)^2 with z = exp(-2 min(|x|, 400)): precise where tanh^2 rounds to 1.
  forward(x) {
    const y = new Float64Array(x.length), z = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      y[i] = Math.tanh(x[i]);
      z[i] = Math.exp(-2 * Math.min(Math.abs(x[i]), 400));
    }
    this.z = z;
    return y;
  }

  backward(g) {
    const z = this.z, gx = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) gx[i] = g[i] * (4 * (z[i] / ((1 + z[i]) * (1 + z[i]))));
    return gx;
  }
}

const SQRT2 = Math.sqrt(2);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export class GELU {  // approximate='none': x * Phi(x), Phi(x) = erfc(-x / sqrt 2) / 2
  constructor() { this.kind = "gelu"; this.params = []; }

  forward(x) {
    const y = new Float64Array(x.length), cdf = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      cdf[i] = 0.5 * erfc(-x[i] / SQRT2);
      y[i] = x[i] * cdf[i];
    }
    this.x = x;
    this.cdf = cdf;
    return y;
  }

  backward(g) {
    const x = this.x, cdf = this.cdf, gx = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) {
      const xc = Math.min(Math.max(x[i], -40), 40);
      const pdf = INV_SQRT_2PI * Math.exp(-0.5 * xc * xc);
      gx[i] = g[i] * (cdf[i] + x[i] * pdf);
    }
    return gx;
  }
}

export const ACTIVATIONS = { relu: ReLU, gelu: GELU, sigmoid: Sigmoid, tanh: Tanh };
/** The initialisation of each activation's Linear layers (mytorch.experiment.ACTIVATIONS). */
export const INITS = { relu: "he", gelu: "he", sigmoid: "xavier", tanh: "xavier" };

export class BatchNorm1d {
  constructor(numFeatures, eps = 1e-5, momentum = 0.1) {
    this.kind = "batchnorm";
    this.c = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = { data: new Float64Array(numFeatures).fill(1),
      grad: new Float64Array(numFeatures) };
    this.bias = { data: new Float64Array(numFeatures), grad: new Float64Array(numFeatures) };
    this.runningMean = new Float64Array(numFeatures);
    this.runningVar = new Float64Array(numFeatures).fill(1);
    this.params = [this.weight, this.bias];
  }

  forward(x, n, training) {
    const c = this.c, mom = this.momentum;
    const xc = new Float64Array(n * c), invStd = new Float64Array(c);
    if (training) {
      if (n < 2) throw new RangeError("BatchNorm1d in training needs at least 2 samples");
      const mu = new Float64Array(c), v = new Float64Array(c);
      for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) mu[j] += x[i * c + j];
      for (let j = 0; j < c; j++) mu[j] /= n;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < c; j++) {
          const t = x[i * c + j] - mu[j];
          xc[i * c + j] = t;
          v[j] += t * t;
        }
      }
      const unbias = (mom * n) / (n - 1);
      for (let j = 0; j < c; j++) {
        v[j] /= n;
        this.runningMean[j] = this.runningMean[j] * (1 - mom) + mom * mu[j];
        this.runningVar[j] = this.runningVar[j] * (1 - mom) + unbias * v[j];
        invStd[j] = 1 / Math.sqrt(v[j] + this.eps);
      }
    } else {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < c; j++) xc[i * c + j] = x[i * c + j] - this.runningMean[j];
      }
      for (let j = 0; j < c; j++) invStd[j] = 1 / Math.sqrt(this.runningVar[j] + this.eps);
    }
    const xHat = new Float64Array(n * c), y = new Float64Array(n * c);
    const gamma = this.weight.data, beta = this.bias.data;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) {
        const h = xc[i * c + j] * invStd[j];
        xHat[i * c + j] = h;
        y[i * c + j] = h * gamma[j] + beta[j];
      }
    }
    this.xHat = xHat;
    this.invStd = invStd;
    this.batchStats = training;
    this.n = n;
    return y;
  }

  backward(g) {
    const c = this.c, n = this.n, xHat = this.xHat;
    const gBeta = new Float64Array(c), gGamma = new Float64Array(c);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) {
        gBeta[j] += g[i * c + j];
        gGamma[j] += g[i * c + j] * xHat[i * c + j];
      }
    }
    const scale = new Float64Array(c);
    for (let j = 0; j < c; j++) {
      this.bias.grad[j] += gBeta[j];
      this.weight.grad[j] += gGamma[j];
      scale[j] = this.weight.data[j] * this.invStd[j];
    }
    const gx = new Float64Array(n * c);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) {
        const k = i * c + j;
        gx[k] = this.batchStats
          ? scale[j] * (g[k] - gBeta[j] / n - xHat[k] * (gGamma[j] / n))
          : g[k] * scale[j];
      }
    }
    return gx;
  }
}

export class Dropout {  // inverted: keep where random() >= p, scale by 1 / (1 - p)
  constructor(p, gen) {
    this.kind = "dropout";
    this.p = p;
    this.gen = gen;
    this.params = [];
  }

  forward(x, n, training) {
    if (!training || this.p === 0) {
      this.mask = null;
      return x;
    }
    const scale = 1 / (1 - this.p);
    const mask = new Float64Array(x.length), y = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      mask[i] = this.gen.random() >= this.p ? scale : 0;
      y[i] = x[i] * mask[i];
    }
    this.mask = mask;
    return y;
  }

  backward(g) {
    if (this.mask === null) return g;
    const gx = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) gx[i] = g[i] * this.mask[i];
    return gx;
  }
}

/**
 * The playground's network: for each hidden width, Linear -> [BatchNorm1d] ->
 * activation -> [Dropout(p)], then Linear to the logits (a Linear followed by
 * BatchNorm1d has no bias, which BatchNorm would cancel). Weights are drawn
 * from `gen`, layer by layer, as the package draws them after
 * `mytorch.manual_seed(seed)`; Dropout draws its masks from the same `gen`.
 */
export class MLP {
  constructor({ inFeatures = 2, hidden = [32, 32], nClasses, activation = "relu",
    batchnorm = false, dropout = 0 }, gen) {
    if (!(activation in ACTIVATIONS)) throw new RangeError(`unknown activation ${activation}`);
    const init = INITS[activation];
    this.layers = [];
    this.widths = [inFeatures, ...hidden, nClasses];
    let fanIn = inFeatures;
    for (const width of hidden) {
      this.layers.push(new Linear(fanIn, width, init, gen, !batchnorm));
      if (batchnorm) this.layers.push(new BatchNorm1d(width));
      this.layers.push(new ACTIVATIONS[activation]());
      if (dropout > 0) this.layers.push(new Dropout(dropout, gen));
      fanIn = width;
    }
    this.layers.push(new Linear(fanIn, nClasses, init, gen));
    this.nClasses = nClasses;
    this.params = this.layers.flatMap((layer) => layer.params);
  }

  /** Logits of n rows; `record` collects each layer's output (for the statistics). */
  forward(x, n, training, record = null) {
    for (const layer of this.layers) {
      x = layer.forward(x, n, training);
      if (record) record.push({ kind: layer.kind, out: x });
    }
    return x;
  }

  backward(g, record = null) {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      g = this.layers[i].backward(g);
      if (record) record.push({ kind: this.layers[i].kind, grad: g });
    }
    return g;
  }

  zeroGrad() {
    for (const p of this.params) p.grad.fill(0);
  }
}

// ---------------------------------------------------------------- loss
/** CrossEntropyLoss(reduction='mean'): returns the loss; `backward()` gives dL/dlogits. */
export class CrossEntropyLoss {
  forward(logits, target, n, c) {
    const exp = new Float64Array(n * c), sumExp = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let j = 0; j < c; j++) if (logits[i * c + j] > m) m = logits[i * c + j];
      let s = 0;
      for (let j = 0; j < c; j++) {
        const e = Math.exp(logits[i * c + j] - m);
        exp[i * c + j] = e;
        s += e;
      }
      sumExp[i] = s;
      total += Math.log(s) - (logits[i * c + target[i]] - m);
    }
    this.exp = exp;
    this.sumExp = sumExp;
    this.target = target;
    this.n = n;
    this.c = c;
    return total / n;
  }

  backward() {
    const { exp, sumExp, target, n, c } = this;
    const g = new Float64Array(n * c);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) {
        let v = exp[i * c + j] / sumExp[i];
        if (j === target[i]) v -= 1;
        v /= n;
        g[i * c + j] = Math.abs(v) < TINY ? 0 : v;
      }
    }
    return g;
  }
}

// ---------------------------------------------------------------- optimizers
// One step count for all parameters, as the package's flat optimizers keep.

export class SGD {
  constructor(params, { lr, momentum = 0, nesterov = false, weight_decay = 0 }) {
    if (nesterov && momentum === 0) throw new RangeError("Nesterov momentum needs momentum > 0");
    Object.assign(this, { params, lr, momentum, nesterov, weightDecay: weight_decay });
    this.t = 0;
    this.buffers = null;
  }

  step() {
    const { lr, momentum: mu, weightDecay: wd } = this;
    if (mu) {
      this.t += 1;
      this.buffers ??= this.params.map((p) => new Float64Array(p.data.length));
    }
    const flush = mu && this.t % FLUSH_EVERY === 0;
    this.params.forEach((p, index) => {
      const data = p.data, grad = p.grad, v = mu ? this.buffers[index] : null;
      for (let i = 0; i < data.length; i++) {
        let g = wd ? grad[i] + wd * data[i] : grad[i];
        if (mu) {
          v[i] = this.t === 1 ? g : v[i] * mu + g;  // the first step sets v = g
          if (flush && Math.abs(v[i]) < TINY) v[i] = 0;
          g = this.nesterov ? g + mu * v[i] : v[i];
        }
        data[i] -= lr * g;
      }
    });
  }
}

export class RMSprop {
  constructor(params, { lr = 1e-2, alpha = 0.99, eps = 1e-8, momentum = 0, weight_decay = 0 }) {
    Object.assign(this, { params, lr, alpha, eps, momentum, weightDecay: weight_decay });
    this.t = 0;
    this.squareAvg = params.map((p) => new Float64Array(p.data.length));
    this.buffers = momentum ? params.map((p) => new Float64Array(p.data.length)) : null;
  }

  step() {
    const { lr, alpha, eps, momentum: mu, weightDecay: wd } = this;
    this.t += 1;
    const flush = this.t % FLUSH_EVERY === 0;
    this.params.forEach((p, index) => {
      const data = p.data, grad = p.grad, s = this.squareAvg[index];
      const b = mu ? this.buffers[index] : null;
      for (let i = 0; i < data.length; i++) {
        const g = wd ? grad[i] + wd * data[i] : grad[i];
        s[i] = s[i] * alpha + (1 - alpha) * g * g;
        let u = g / (Math.sqrt(s[i]) + eps);
        if (flush && Math.abs(s[i]) < TINY) s[i] = 0;  // after u, as the package does
        if (mu) {
          b[i] = b[i] * mu + u;
          if (flush && Math.abs(b[i]) < TINY) b[i] = 0;
          u = b[i];
        }
        data[i] -= lr * u;
      }
    });
  }
}

export class Adam {
  constructor(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 0 }) {
    Object.assign(this, { params, lr, beta1: betas[0], beta2: betas[1], eps,
      weightDecay: weight_decay });
    this.t = 0;
    this.m = params.map((p) => new Float64Array(p.data.length));
    this.v = params.map((p) => new Float64Array(p.data.length));
  }

  step() {
    const { lr, beta1, beta2, eps, weightDecay: wd } = this;
    const t = (this.t += 1), flush = t % FLUSH_EVERY === 0;
    const rootBias2 = Math.sqrt(1 - beta2 ** t);
    const alphaT = (lr * rootBias2) / (1 - beta1 ** t), epsT = eps * rootBias2;
    this.params.forEach((p, index) => {
      const data = p.data, grad = p.grad, m = this.m[index], v = this.v[index];
      for (let i = 0; i < data.length; i++) {
        const g = wd ? grad[i] + wd * data[i] : grad[i];
        m[i] = m[i] * beta1 + (1 - beta1) * g;
        v[i] = v[i] * beta2 + (1 - beta2) * g * g;
        data[i] -= alphaT * (m[i] / (Math.sqrt(v[i]) + epsT));
        if (flush) {  // the package flushes the state after the update (Optimizer.step)
          if (Math.abs(m[i]) < TINY) m[i] = 0;
          if (Math.abs(v[i]) < TINY) v[i] = 0;
        }
      }
    });
  }
}

/**
 * AdamW, as PyTorch's and the package's: the decay is decoupled from the
 * gradient, `p *= 1 - lr * weight_decay` before the Adam step, so it never
 * enters the moments (default weight_decay 1e-2, not Adam's 0).
 */
export class AdamW extends Adam {
  constructor(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 1e-2 }) {
    super(params, { lr, betas, eps, weight_decay: 0 });
    this.decoupledDecay = weight_decay;
  }

  step() {
    const wd = this.decoupledDecay;
    if (wd) {
      const factor = 1 - this.lr * wd;
      for (const p of this.params) {
        const data = p.data;
        for (let i = 0; i < data.length; i++) data[i] *= factor;
      }
    }
    super.step();
  }
}

export const OPTIMIZERS = { sgd: SGD, rmsprop: RMSprop, adam: Adam, adamw: AdamW };

// ---------------------------------------------------------------- training
/**
 * The training loop of `mytorch.experiment.run_experiment`, one step at a time:
 * `manual_seed(seed)` then the model (init and Dropout draw from that
 * generator), and a second generator `default_rng(seed)` that shuffles the
 * training set at the start of every epoch, cut in minibatches of
 * `batchSize` (the last one smaller).
 */
export class Trainer {
  constructor(data, config) {
    this.data = data;
    this.config = config;
    const gen = new Generator(config.seed);
    this.model = new MLP({ inFeatures: 2, hidden: config.hidden, nClasses: data.nClasses,
      activation: config.activation, batchnorm: config.batchnorm,
      dropout: config.dropout }, gen);
    this.criterion = new CrossEntropyLoss();
    this.optimizer = new OPTIMIZERS[config.optimizer](this.model.params, config.hyper);
    this.order = new Generator(config.seed);
    this.steps = 0;
    this.epoch = 0;
    this.position = 0;
    this.perm = null;
  }

  /** One minibatch step; returns its loss. `record` collects layer statistics. */
  step(record = null) {
    const { xTrain, yTrain } = this.data, n = yTrain.length, bs = this.config.batchSize;
    if (this.position === 0) this.perm = this.order.permutation(n);
    const end = Math.min(this.position + bs, n), m = end - this.position;
    const x = new Float64Array(m * 2), y = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const k = this.perm[this.position + i];
      x[2 * i] = xTrain[2 * k];
      x[2 * i + 1] = xTrain[2 * k + 1];
      y[i] = yTrain[k];
    }
    const logits = this.model.forward(x, m, true, record && record.forward);
    const loss = this.criterion.forward(logits, y, m, this.data.nClasses);
    this.model.zeroGrad();
    this.model.backward(this.criterion.backward(), record && record.backward);
    this.optimizer.step();
    this.steps += 1;
    this.position = end;
    if (this.position >= n) {
      this.position = 0;
      this.epoch += 1;
    }
    return loss;
  }

  /** Evaluation mode (running statistics, no Dropout): loss and accuracy on x, y. */
  evaluate(x, y) {
    const n = y.length, c = this.data.nClasses;
    const logits = this.model.forward(x, n, false);
    const loss = new CrossEntropyLoss().forward(logits, y, n, c);
    let correct = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < c; j++) if (logits[i * c + j] > logits[i * c + best]) best = j;
      if (best === y[i]) correct += 1;
    }
    return { loss, accuracy: correct / n, logits };
  }
}

// ---------------------------------------------------------------- data
function decode(base64, Type) {
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  return new Type(bytes.buffer);  // little-endian, as every browser and Node computes
}

/** A task of datasets.js as typed arrays: {xTrain, yTrain, xTest, yTest, nClasses}. */
export function decodeDataset(entry) {
  return {
    nClasses: entry.nClasses, mean: entry.mean, std: entry.std,
    xTrain: decode(entry.xTrain, Float64Array), yTrain: decode(entry.yTrain, Int32Array),
    xTest: decode(entry.xTest, Float64Array), yTest: decode(entry.yTest, Int32Array),
  };
}
