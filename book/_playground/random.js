// NumPy's default generator, bit for bit: SeedSequence -> PCG64 -> Generator.
//
// `new Generator(seed)` gives the numbers of `numpy.random.default_rng(seed)`
// for the calls the package makes: random() (Dropout's masks), uniform(low,
// high) (initialisation) and permutation(n) (the order of the minibatches).
// permutation(n) draws as Generator.shuffle does (masked rejection on
// buffered 32-bit halves). The 128-bit state is kept in eight 16-bit limbs, so that a step is plain
// double arithmetic, exact below 2^53.

// SeedSequence (numpy/random/bit_generator.pyx): uint32 hashing of the entropy.
const INIT_A = 0x43b0d7e5, MULT_A = 0x931e8875, INIT_B = 0x8b51f9dd, MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd, MIX_MULT_R = 0x4973f715, POOL_SIZE = 4;

function entropyWords(seed) {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`the seed must be an integer in [0, 2^53), got ${seed}`);
  }
  const words = [];
  let n = seed;
  do {
    words.push(n % 0x100000000);
    n = Math.floor(n / 0x100000000);
  } while (n > 0);
  return words;
}

function seedSequenceState(seed, nWords) {
  let hashConst = INIT_A;
  const hashmix = (value) => {
    value = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> 16)) >>> 0;
  };
  const mix = (x, y) => {
    const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> 16)) >>> 0;
  };
  const entropy = entropyWords(seed);
  const pool = new Array(POOL_SIZE);
  for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < entropy.length ? entropy[i] : 0);
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) {
      if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
    }
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
  }
  const out = [];
  let h = INIT_B;
  for (let i = 0; i < nWords; i++) {
    let v = (pool[i % POOL_SIZE] ^ h) >>> 0;
    h = Math.imul(h, MULT_B) >>> 0;
    v = Math.imul(v, h) >>> 0;
    out.push((v ^ (v >>> 16)) >>> 0);
  }
  return out;
}

// PCG64's multiplier, 0x2360ed051fc65da44385df649fccf645, in 16-bit limbs, low first.
const MULT = [0xf645, 0x9fcc, 0xdf64, 0x4385, 0x5da4, 0x1fc6, 0xed05, 0x2360];

function toLimbs(big) {
  const limbs = new Array(8);
  for (let i = 0; i < 8; i++) limbs[i] = Number((big >> BigInt(16 * i)) & 0xffffn);
  return limbs;
}

export class Generator {
  /** The generator of `numpy.random.default_rng(seed)`. */
  constructor(seed) {
    const w = seedSequenceState(seed, 8);  // generate_state(4, uint64), as uint32 pairs
    const u64 = (k) => (BigInt(w[2 * k + 1]) << 32n) | BigInt(w[2 * k]);
    const initState = (u64(0) << 64n) | u64(1);
    const initSeq = (u64(2) << 64n) | u64(3);
    const mod = (1n << 128n) - 1n;
    this.s = new Array(8).fill(0);
    this.inc = toLimbs(((initSeq << 1n) | 1n) & mod);
    this.tmp = new Array(8);
    this.step();
    this.s = toLimbs((this.stateBigInt() + initState) & mod);
    this.step();
    this.hasUint32 = false;
    this.uinteger = 0;
    this.hi = 0;
    this.lo = 0;
  }

  stateBigInt() {
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 16n) | BigInt(this.s[i]);
    return v;
  }

  step() {  // state = state * MULT + inc (mod 2^128)
    const s = this.s, r = this.tmp, inc = this.inc;
    let carry = 0;
    for (let k = 0; k < 8; k++) {
      let acc = carry + inc[k];
      for (let i = 0; i <= k; i++) acc += s[i] * MULT[k - i];
      carry = Math.floor(acc / 65536);
      r[k] = acc - carry * 65536;
    }
    this.tmp = s;
    this.s = r;
  }

  /** The next 64-bit output (XSL-RR), left in this.hi and this.lo (uint32 each). */
  next64() {
    this.step();
    const s = this.s;
    let xh = (((s[7] << 16) | s[6]) ^ ((s[3] << 16) | s[2])) >>> 0;
    let xl = (((s[5] << 16) | s[4]) ^ ((s[1] << 16) | s[0])) >>> 0;
    let rot = s[7] >>> 10;
    if (rot >= 32) {
      const t = xh; xh = xl; xl = t;
      rot -= 32;
    }
    if (rot) {
      const h = ((xh >>> rot) | (xl << (32 - rot))) >>> 0;
      xl = ((xl >>> rot) | (xh << (32 - rot))) >>> 0;
      xh = h;
    }
    this.hi = xh;
    this.lo = xl;
  }

  nextUint32() {
    if (this.hasUint32) {
      this.hasUint32 = false;
      return this.uinteger;
    }
    this.next64();
    this.hasUint32 = true;
    this.uinteger = this.hi;
    return this.lo;
  }

  /** Generator.random(): a double in [0, 1) from the top 53 bits. */
  random() {
    this.next64();
    return (this.hi * 2097152 + (this.lo >>> 11)) / 9007199254740992;
  }

  /** Generator.uniform(low, high): low + (high - low) * random(). */
  uniform(low, high) {
    return low + (high - low) * this.random();
  }

  /** An integer in [0, max], max < 2^32: masked rejection (random_interval). */
  interval(max) {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4;
    mask |= mask >>> 8; mask |= mask >>> 16;
    mask >>>= 0;
    let value;
    do value = (this.nextUint32() & mask) >>> 0; while (value > max);
    return value;
  }

  /** Generator.permutation(n): a shuffled Int32Array of 0 .. n-1 (Fisher-Yates from the end). */
  permutation(n) {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    for (let i = n - 1; i >= 1; i--) {
      const j = this.interval(i);
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }
}
