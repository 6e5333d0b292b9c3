/** The benchmark's figures and how they are printed: per server medians, then the two comparisons as ratios. */
import { SCENARIO_TITLES } from './scenarios';
import type { ServerKind } from './serverProcess';

export interface Round {
  /** 2xx answers per second. */
  rps: number;
  p50: number;
  p99: number;
  /** Errors, timeouts and non-2xx answers. */
  failed: number;
  /** The server process's CPU time (user + system) per 2xx answer, in ms. */
  cpuMs: number;
}

export interface Summary {
  rps: number;
  p50: number;
  p99: number;
  cpuMs: number;
  peakRssMb: number;
  failed: number;
  rounds: Round[];
}

export type ScenarioResult = { name: string; skipped?: string } & Partial<Record<ServerKind, Summary>>;

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const LABELS: Record<ServerKind, string> = {
  gateway: 'gateway, every layer on',
  bare: 'gateway, privacy layers off',
  plain: 'plain Apollo Server, in-memory array',
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

const fixed = (value: number, digits: number) => value.toFixed(digits);

export function formatReport(results: ScenarioResult[]): string {
  const servers: string[][] = [['scenario', 'server', 'req/s (2xx)', 'p50 ms', 'p99 ms', 'CPU ms/req', 'peak RSS MB', 'failed']];
  const ratios: string[][] = [['scenario', 'comparison', 'throughput ratio', 'p99 ratio', 'CPU/req ratio', 'throughput cost']];
  for (const result of results) {
    const title = SCENARIO_TITLES[result.name] ?? result.name;
    if (result.skipped !== undefined) {
      servers.push([title, 'SKIPPED', result.skipped.slice(0, 100), '', '', '', '', '']);
      continue;
    }
    for (const kind of ['gateway', 'bare', 'plain'] as const) {
      const s = result[kind]!;
      servers.push([title, LABELS[kind], fixed(s.rps, 1), fixed(s.p50, 1), fixed(s.p99, 1), fixed(s.cpuMs, 2), String(s.peakRssMb), String(s.failed)]);
    }
    const gateway = result.gateway!;
    for (const other of ['plain', 'bare'] as const) {
      const base = result[other]!;
      const rps = gateway.rps / base.rps;
      ratios.push([title, `gateway / ${LABELS[other]}`, fixed(rps, 2), fixed(gateway.p99 / base.p99, 2), fixed(gateway.cpuMs / base.cpuMs, 2), other === 'bare' ? `${fixed((1 - rps) * 100, 0)} %` : '']);
    }
  }
  return `${table(servers)}\n${table(ratios)}`;
}
