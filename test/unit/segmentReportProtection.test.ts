/** k-anonymity, the differencing guard and the noise, on plain rows (the HTTP suites cover the pipeline). */
import { describe, expect, it } from 'vitest';
import { addNoise, canonicalCell, keyedRng, laplace, protectGroups, type GroupRow, type Rng } from '../../src/privacy/segmentReport';

const row = (key: string, count: number, avg = 10): GroupRow => ({ keys: [key], count, avgLifetimeValue: avg });
const K = 10;

/** A tiny seeded PRNG (mulberry32) for reproducible property checks. */
function seeded(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('protectGroups', () => {
  it.each([
    ['nothing small: everything visible', [row('A', 10), row('B', 20)], 30, [false, false]],
    ['one small: the next smallest joins it', [row('A', 3), row('B', 12), row('C', 40)], 55, [true, true, false]],
    ['two small summing under k: the next smallest joins', [row('A', 2), row('B', 3), row('C', 11), row('D', 50)], 66, [true, true, true, false]],
    ['two small summing to k: nothing else', [row('A', 5), row('B', 5), row('C', 50)], 60, [true, true, false]],
    ['a single small group alone', [row('A', 3)], 3, [true]],
  ])('%s', (_label, rows, total, suppressed) => {
    const result = protectGroups(rows, total, K, false);
    expect(result.groups.map((group) => group.suppressed)).toEqual(suppressed);
    for (const group of result.groups) if (group.suppressed) expect([group.count, group.avgLifetimeValue]).toEqual([null, null]);
  });

  it('never lets total minus the visible groups reveal a figure under k (random partitions)', () => {
    const rng = seeded(7);
    for (let trial = 0; trial < 2000; trial += 1) {
      const rows = Array.from({ length: 1 + Math.floor(rng() * 6) }, (_, i) => row(`g${i}`, 1 + Math.floor(rng() * 25)));
      const total = rows.reduce((sum, r) => sum + r.count, 0);
      const result = protectGroups(rows, total, K, false);
      const hidden = result.groups.filter((group) => group.suppressed);
      for (const group of result.groups) if (!group.suppressed) expect(group.count!).toBeGreaterThanOrEqual(K);
      // A lone suppressed group only when it is the whole audience, and then no total at all.
      if (hidden.length === 1) expect([rows.length, result.total]).toEqual([1, null]);
      if (result.total !== null) {
        const remainder = result.total - result.groups.reduce((sum, group) => sum + (group.count ?? 0), 0);
        expect(remainder === 0 || remainder >= K).toBe(true);
        expect(result.total).toBe(total);
      } else {
        // The total is withheld only when the whole audience is under k.
        expect(total).toBeLessThan(K);
      }
    }
  });

  it('reports an overlapping total when it is at least k', () => {
    expect(protectGroups([row('a', 30), row('b', 4)], 31, K, true).total).toBe(31);
    expect(protectGroups([row('a', 5)], 5, K, true).total).toBeNull();
  });
});

describe('noise', () => {
  it('laplace follows the inverse transform (injected uniforms)', () => {
    expect(laplace(2, () => 0.5)).toBeCloseTo(0);
    expect(laplace(2, () => 0.75)).toBeCloseTo(-2 * Math.log(0.5));
    expect(laplace(2, () => 0.25)).toBeCloseTo(2 * Math.log(0.5));
    expect(Number.isFinite(laplace(1, () => 0))).toBe(true);
  });

  it('has the Laplace spread: mean |x| ≈ scale', () => {
    const rng = seeded(42);
    const samples = Array.from({ length: 20_000 }, () => Math.abs(laplace(3, rng)));
    expect(samples.reduce((a, b) => a + b, 0) / samples.length).toBeGreaterThan(2.8);
    expect(samples.reduce((a, b) => a + b, 0) / samples.length).toBeLessThan(3.2);
  });

  it('moves published figures, never suppressed ones, and is reproducible with the same RNG', () => {
    const report = protectGroups([row('A', 3), row('B', 12), row('C', 40, 100)], 55, K, false);
    const noise = (figure: string) => keyedRng('k', figure);
    const once = addNoise(report, 0.1, ['COUNTRY'], noise);
    expect(addNoise(report, 0.1, ['COUNTRY'], noise)).toEqual(once);
    expect(once.groups.slice(0, 2)).toEqual(report.groups.slice(0, 2));
    expect(once.groups[2]!.count).not.toBe(40);
    expect(Number.isInteger(once.groups[2]!.count)).toBe(true);
    // Scale 1/0.1 = 10: a draw beyond ±60 has probability e^-6; the figure stays near the truth.
    expect(Math.abs(once.groups[2]!.count! - 40)).toBeLessThan(60);
  });

  it('keys each figure on its canonical cell: the order of the dimensions does not matter', () => {
    expect(canonicalCell(['LOYALTY_TIER', 'COUNTRY'], ['GOLD', 'DE'])).toBe(canonicalCell(['COUNTRY', 'LOYALTY_TIER'], ['DE', 'GOLD']));
    expect(canonicalCell(['COUNTRY', 'LOYALTY_TIER'], ['DE', 'GOLD'])).not.toBe(canonicalCell(['COUNTRY', 'LOYALTY_TIER'], ['GOLD', 'DE']));
    const report = (first: string, second: string) => ({ total: 50, groups: [{ keys: [first, second], count: 50, avgLifetimeValue: 100, suppressed: false }] });
    const noise = (figure: string) => keyedRng('k', figure);
    expect(addNoise(report('DE', 'GOLD'), 0.5, ['COUNTRY', 'LOYALTY_TIER'], noise).groups[0]!.count)
      .toBe(addNoise(report('GOLD', 'DE'), 0.5, ['LOYALTY_TIER', 'COUNTRY'], noise).groups[0]!.count);
  });

  it('keyedRng: same key and material, same stream; otherwise different', () => {
    const draw = (key: string, material: string) => { const rng = keyedRng(key, material); return [rng(), rng(), rng()]; };
    expect(draw('k1', 'm')).toEqual(draw('k1', 'm'));
    expect(draw('k1', 'm')).not.toEqual(draw('k2', 'm'));
    expect(draw('k1', 'm')).not.toEqual(draw('k1', 'n'));
    for (const value of draw('k', 'x')) expect(value >= 0 && value < 1).toBe(true);
  });
});
