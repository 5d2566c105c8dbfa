/**
 * A small seeded pseudo-random generator for synthetic data. sfc32 (Chris Doty-Humphrey's Small
 * Fast Counting generator): 128-bit state, passes PractRand, and needs only 32-bit integer
 * arithmetic, so it stays fast in V8. Math.random is not used anywhere in the seed code, because
 * the same seed must give byte-identical output on every machine and every run.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds from up to three 32-bit integers (e.g. a global seed and a patient index). */
  constructor(seed: number, stream = 0, salt = 0) {
    this.a = mix32(seed ^ 0x9e3779b9);
    this.b = mix32(stream + 0x85ebca6b);
    this.c = mix32(salt ^ 0xc2b2ae35);
    this.d = 1;
    // The first outputs of sfc32 correlate with the seed words; the reference code discards 12.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** A uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** A uniform float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Normal deviate by Box-Muller; one of the pair is dropped to keep the state simple. */
  normal(mean: number, sd: number): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A version 4 UUID string drawn from this stream (deterministic, unlike crypto.randomUUID). */
  uuid(): string {
    const h = (n: number, len: number) => n.toString(16).padStart(len, '0');
    const w1 = this.uint32();
    const w2 = this.uint32();
    const w3 = this.uint32();
    const w4 = this.uint32();
    const version = ((w2 & 0x0fff) | 0x4000) >>> 0;
    const variant = (((w3 >>> 16) & 0x3fff) | 0x8000) >>> 0;
    return `${h(w1, 8)}-${h(w2 >>> 16, 4)}-${h(version, 4)}-${h(variant, 4)}-${h(w3 & 0xffff, 4)}${h(w4, 8)}`;
  }
}

/** murmur3's 32-bit finaliser: spreads nearby seeds (1, 2, 3...) to unrelated states. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
