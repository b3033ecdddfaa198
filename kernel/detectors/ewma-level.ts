// The EWMA level (plus an optional seasonal profile) of one series, advanced one value at a time: the recursion
// the offline forecaster (forecast-ewma.ts) runs over a whole column and the online EWMA detector runs per
// interval, kept in one place so that both forecast alike.

/**
 * Holt–Winters without trend: the forecast of the next value is level + season[t mod period]; after each value
 * the level tracks the deseasonalised value and the season what the level misses at that phase. The first value
 * only sets the level.
 */
export class EwmaLevel {
  private level = 0;
  private t = 0;
  private readonly season: Float64Array;
  private readonly seen: Uint8Array;

  constructor(
    readonly alpha: number,
    readonly period = 0,
    readonly gamma = 0.1,
  ) {
    this.season = new Float64Array(Math.max(period, 1));
    this.seen = new Uint8Array(Math.max(period, 1));
  }

  /** Values taken so far. */
  get count(): number {
    return this.t;
  }

  /** The deseasonalised level (0 before the first value). */
  get current(): number {
    return this.level;
  }

  /** The forecast of the next value (NaN before the first value). */
  forecast(): number {
    if (this.t === 0) return NaN;
    return this.level + this.seasonal(this.t);
  }

  /** Takes the next value and returns its one-step residual, x − forecast (0 for the first value). */
  push(x: number): number {
    const t = this.t++;
    if (t === 0) {
      this.level = x;
      return 0;
    }
    const p = this.period;
    const ph = p ? t % p : 0;
    const s = this.seasonal(t);
    const r = x - (this.level + s);
    this.level += this.alpha * (x - s - this.level);
    if (p) {
      this.season[ph] = this.seen[ph] ? s + this.gamma * (x - this.level - s) : x - this.level;
      this.seen[ph] = 1;
    }
    return r;
  }

  private seasonal(t: number): number {
    const p = this.period;
    const ph = p ? t % p : 0;
    return p && this.seen[ph] ? this.season[ph]! : 0;
  }
}
