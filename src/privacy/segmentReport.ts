/**
 * k-anonymous segment reports (docs/segments-and-reports.md).
 *
 * The figures are computed by the store as one MongoDB aggregation pipeline ($match, $unwind,
 * $project, $group, $sort; $count for the distinct total when groups overlap), so the embedded store
 * (mingo) and MongoDB compute the same thing and no record leaves the store. Then, in this order:
 *
 * 1. k-anonymity: a group with fewer than k subjects is suppressed (null figures).
 * 2. Differencing guard: if any group is suppressed, further groups are suppressed, smallest first,
 *    until at least two are and their combined size is at least k — so "total minus the visible
 *    groups" never yields one suppressed group, nor any figure below k. The total is reported only
 *    when it is at least k and the suppressed remainder is 0 or at least k.
 * 3. Optional Laplace noise (REPORT_EPSILON) on the published figures; suppression is decided on the
 *    true counts before noise. The noise is keyed (a secret, the cell's canonical identity and its
 *    true figure), so the same cell over the same data gets the same noise however the request orders
 *    or groups its dimensions, and repeated asking cannot average it away.
 */
import { createHmac } from 'node:crypto';
import type { Coordinate } from '../policy/types';
import type { Filter } from '../store/port';

export const REPORT_DIMENSIONS = ['COUNTRY', 'LOYALTY_TIER', 'AGE_BAND', 'POSTAL_PREFIX', 'INTEREST'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** Most dimensions in one report: finer cross-tabulations only produce suppressed cells. */
export const MAX_REPORT_DIMENSIONS = 3;

/** The Customer coordinate each dimension reads (for purpose limitation and the audit). */
export const DIMENSION_COORDINATES: Readonly<Record<ReportDimension, Coordinate>> = {
  COUNTRY: 'Customer.country',
  LOYALTY_TIER: 'Customer.loyaltyTier',
  AGE_BAND: 'Customer.birthDate',
  POSTAL_PREFIX: 'Customer.postalCode',
  INTEREST: 'Customer.interests',
};

/**
 * Assumed upper bound of one subject's lifetime value when noise is on: values are clamped to
 * [0, bound] before averaging so that one subject moves a group's average by at most bound / count.
 */
export const NOISE_LIFETIME_VALUE_BOUND = 10_000;

/** Report age bands; age = current year − birth year (only the birth year is stored for reports). */
const REPORT_AGE_BANDS: readonly { youngest: number; label: string }[] = [
  { youngest: 0, label: '0-17' }, { youngest: 18, label: '18-24' }, { youngest: 25, label: '25-34' },
  { youngest: 35, label: '35-44' }, { youngest: 45, label: '45-54' }, { youngest: 55, label: '55-64' },
];

function ageBandExpression(year: number): Record<string, unknown> {
  return {
    $switch: {
      branches: [
        { case: { $not: [{ $isNumber: '$birthYear' }] }, then: null },
        ...REPORT_AGE_BANDS.map((band, i) => ({
          // Born after (year − next band's youngest age): younger than the next band.
          case: { $gt: ['$birthYear', year - (REPORT_AGE_BANDS[i + 1]?.youngest ?? 65)] },
          then: band.label,
        })),
      ],
      default: '65+',
    },
  };
}

function dimensionExpression(dimension: ReportDimension, year: number): unknown {
  switch (dimension) {
    case 'COUNTRY': return '$country';
    case 'LOYALTY_TIER': return '$loyaltyTier';
    case 'AGE_BAND': return ageBandExpression(year);
    case 'POSTAL_PREFIX': return '$postalPrefix';
    case 'INTEREST': return '$interests';
    default: {
      const unreachable: never = dimension;
      return unreachable;
    }
  }
}

export interface PipelineOptions {
  /** The current year, for age bands. */
  year: number;
  /** Clamp lifetime values to [0, NOISE_LIFETIME_VALUE_BOUND] (when noise is on). */
  clampLifetimeValue: boolean;
}

/** The grouping pipeline: one output row per group, `_id: { d0, d1, … }`, count and average. */
export function buildGroupPipeline(match: Filter, groupBy: readonly ReportDimension[], options: PipelineOptions): Record<string, unknown>[] {
  const keys = groupBy.map((_, i) => `d${i}`);
  const projection: Record<string, unknown> = {
    _id: 0,
    ltv: options.clampLifetimeValue
      ? { $cond: [{ $isNumber: '$lifetimeValue' }, { $min: [{ $max: ['$lifetimeValue', 0] }, NOISE_LIFETIME_VALUE_BOUND] }, null] }
      : '$lifetimeValue',
  };
  groupBy.forEach((dimension, i) => { projection[keys[i]!] = { $ifNull: [dimensionExpression(dimension, options.year), null] }; });
  const pipeline: Record<string, unknown>[] = [{ $match: match }];
  // A subject with several interests counts once in each interest group; none: one null group.
  if (groupBy.includes('INTEREST')) pipeline.push({ $unwind: { path: '$interests', preserveNullAndEmptyArrays: true } });
  pipeline.push(
    { $project: projection },
    { $group: { _id: keys.length === 0 ? null : Object.fromEntries(keys.map((key) => [key, `$${key}`])), count: { $sum: 1 }, avgLifetimeValue: { $avg: '$ltv' } } },
  );
  if (keys.length > 0) pipeline.push({ $sort: Object.fromEntries(keys.map((key) => [`_id.${key}`, 1])) });
  return pipeline;
}

/** Distinct subjects matched (needed when groups overlap). */
export function buildCountPipeline(match: Filter): Record<string, unknown>[] {
  return [{ $match: match }, { $count: 'subjects' }];
}

export interface GroupRow {
  keys: (string | null)[];
  count: number;
  avgLifetimeValue: number | null;
}

/** Reads the pipeline's rows back into keys in the requested order. */
export function rowsFromPipeline(rows: Record<string, unknown>[], dimensions: number): GroupRow[] {
  return rows.map((row) => {
    const id = (row._id ?? {}) as Record<string, unknown>;
    const keys = Array.from({ length: dimensions }, (_, i) => {
      const value = id[`d${i}`];
      return value === null || value === undefined ? null : String(value);
    });
    const avg = row.avgLifetimeValue;
    return { keys, count: Number(row.count), avgLifetimeValue: typeof avg === 'number' && Number.isFinite(avg) ? avg : null };
  });
}

export interface ReportGroup {
  keys: (string | null)[];
  count: number | null;
  avgLifetimeValue: number | null;
  suppressed: boolean;
}

export interface ProtectedReport {
  total: number | null;
  groups: ReportGroup[];
}

/**
 * k-anonymity plus the differencing guard (steps 1 and 2 above). `total` is the number of distinct
 * subjects; `overlapping` is true when a subject may sit in several groups (INTEREST).
 */
export function protectGroups(rows: readonly GroupRow[], total: number, k: number, overlapping: boolean): ProtectedReport {
  const suppressed = new Set<GroupRow>(rows.filter((row) => row.count < k));
  let remainder = [...suppressed].reduce((sum, row) => sum + row.count, 0);
  if (suppressed.size > 0) {
    // Smallest visible groups first; ties broken by position (the key order) so the result is stable.
    const visible = rows.filter((row) => !suppressed.has(row)).sort((a, b) => a.count - b.count);
    for (const row of visible) {
      if (suppressed.size >= 2 && remainder >= k) break;
      suppressed.add(row);
      remainder += row.count;
    }
  }
  const remainderSafe = overlapping || remainder === 0 || remainder >= k;
  return {
    total: total >= k && remainderSafe ? total : null,
    groups: rows.map((row) => (suppressed.has(row)
      ? { keys: row.keys, count: null, avgLifetimeValue: null, suppressed: true }
      : { keys: row.keys, count: row.count, avgLifetimeValue: roundMoney(row.avgLifetimeValue), suppressed: false })),
  };
}

function roundMoney(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}

/** A uniform random number in [0, 1). Injectable so tests can fix the noise. */
export type Rng = () => number;

/**
 * A keyed deterministic stream of uniforms (HMAC-SHA256 in counter mode). Seeded from a secret key and
 * the report's true content, it gives the same noise for the same report over the same data: asking
 * again and averaging does not wash the noise out, and without the key the noise is unpredictable.
 */
export function keyedRng(key: string, material: string): Rng {
  const seed = createHmac('sha256', key).update('segment-report-noise\0').update(material).digest();
  let counter = 0;
  return () => {
    const block = createHmac('sha256', seed).update(String(counter)).digest();
    counter += 1;
    return block.readUIntBE(0, 6) / 2 ** 48;
  };
}

/** One sample of Laplace(0, scale) by inverse transform. */
export function laplace(scale: number, rng: Rng): number {
  const u = Math.min(Math.max(rng() - 0.5, -0.4999999999), 0.4999999999);
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

/** A stream of uniforms for one published figure, named by what it is (never by how it was asked). */
export type NoiseSource = (figure: string) => Rng;

/**
 * A cell's identity independent of how the request was written: each dimension with its value,
 * sorted by dimension. `[COUNTRY, LOYALTY_TIER]` and `[LOYALTY_TIER, COUNTRY]` name the same cells.
 */
export function canonicalCell(groupBy: readonly ReportDimension[], keys: readonly (string | null)[]): string {
  const pairs = groupBy.map((dimension, i) => [dimension, keys[i] ?? null] as const);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(pairs);
}

/**
 * Laplace noise on the published figures: counts (sensitivity 1) get scale 1/ε and are rounded to
 * a non-negative integer; an average over clamped values gets scale bound/(count·ε). Suppressed
 * groups stay null; suppression was decided on true counts. Each figure draws from its own stream,
 * named by the figure's canonical identity and true value: the same cell (or the audience's total)
 * gets the same noise in every ordering and grouping that publishes it, so re-asking cannot average it.
 */
export function addNoise(report: ProtectedReport, epsilon: number, groupBy: readonly ReportDimension[], noise: NoiseSource): ProtectedReport {
  const noisyCount = (count: number, figure: string) => Math.max(0, Math.round(count + laplace(1 / epsilon, noise(figure))));
  return {
    total: report.total === null ? null : noisyCount(report.total, JSON.stringify(['total', report.total])),
    groups: report.groups.map((group) => {
      if (group.suppressed || group.count === null) return group;
      const cell = canonicalCell(groupBy, group.keys);
      const avg = group.avgLifetimeValue === null
        ? null
        : roundMoney(Math.max(0, group.avgLifetimeValue
          + laplace(NOISE_LIFETIME_VALUE_BOUND / (group.count * epsilon), noise(JSON.stringify(['avg', cell, group.count, group.avgLifetimeValue])))));
      return { ...group, count: noisyCount(group.count, JSON.stringify(['count', cell, group.count])), avgLifetimeValue: avg };
    }),
  };
}

export interface SegmentReportInput {
  /** The audience: segment definition ∧ consent for the request purpose ∧ not erased. */
  match: Filter;
  groupBy: readonly ReportDimension[];
  k: number;
  /** REPORT_EPSILON; undefined = exact figures. */
  epsilon: number | undefined;
  /** Secret for the keyed noise, and what identifies the report (segment, purpose). */
  noiseKey: string;
  noiseContext: string;
  now: Date;
}

/** Runs the pipelines through `aggregate` (the customers collection's) and protects the result. */
export async function computeSegmentReport(
  aggregate: (pipeline: Record<string, unknown>[]) => Promise<Record<string, unknown>[]>,
  input: SegmentReportInput,
): Promise<ProtectedReport> {
  const overlapping = input.groupBy.includes('INTEREST');
  const options: PipelineOptions = { year: input.now.getUTCFullYear(), clampLifetimeValue: input.epsilon !== undefined };
  const [rows, counted] = await Promise.all([
    aggregate(buildGroupPipeline(input.match, input.groupBy, options)).then((result) => rowsFromPipeline(result, input.groupBy.length)),
    overlapping ? aggregate(buildCountPipeline(input.match)) : Promise.resolve(null),
  ]);
  // Without overlap the groups partition the audience, so the total is their sum.
  const total = counted === null ? rows.reduce((sum, row) => sum + row.count, 0) : Number(counted[0]?.subjects ?? 0);
  const report = protectGroups(rows, total, input.k, overlapping);
  if (input.epsilon === undefined) return report;
  return addNoise(report, input.epsilon, input.groupBy, (figure) => keyedRng(input.noiseKey, JSON.stringify([input.noiseContext, figure])));
}
