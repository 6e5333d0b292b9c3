/** Renders a policy diff as plain text (terminals, CI logs), Markdown (pull-request comments) or JSON. */
import type { Effect, PolicyChange } from './diff';
import { widens } from './diff';

export const DIFF_FORMATS = ['text', 'md', 'json'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

const MARK: Record<Effect, string> = { WIDENS: '🔴 widens', NARROWS: '🟢 narrows', CHANGES: '⚪ changes' };

function summary(changes: readonly PolicyChange[]): string {
  const count = (effect: Effect) => changes.filter((change) => change.effect === effect).length;
  if (changes.length === 0) return 'No change to the privacy policy.';
  return `${changes.length} change(s): ${count('WIDENS')} widen access, ${count('NARROWS')} narrow it, ${count('CHANGES')} neutral.`;
}

const show = (value: string | null): string => value ?? '—';

/** One side of the diff as printed: what the command line named, and its policy version. */
export interface SideLabel {
  name: string;
  version: string;
}

export function formatText(changes: readonly PolicyChange[], old: SideLabel, next: SideLabel): string {
  const lines = [`Privacy policy diff: ${old.name} (${old.version}) → ${next.name} (${next.version})`];
  const width = Math.max(0, ...changes.map((change) => change.coordinate.length));
  for (const change of changes) {
    lines.push(`  ${change.effect.padEnd(7)} ${change.coordinate.padEnd(width)}  ${change.kind}: ${show(change.before)} → ${show(change.after)}`);
  }
  lines.push(summary(changes));
  if (widens(changes)) lines.push('Access widens: review before merging.');
  return `${lines.join('\n')}\n`;
}

const cell = (value: string): string => value.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function formatMarkdown(changes: readonly PolicyChange[], old: SideLabel, next: SideLabel): string {
  const lines = [`### Privacy policy diff: \`${cell(old.name)}\` → \`${cell(next.name)}\``, '', `Policy version ${old.version} → ${next.version}.`, ''];
  if (widens(changes)) lines.push('> [!WARNING]', '> **Access widens.** A privacy review must approve this change.', '');
  lines.push(summary(changes), '');
  if (changes.length > 0) {
    lines.push('| effect | coordinate | change | before | after |', '| --- | --- | --- | --- | --- |');
    for (const change of changes) {
      lines.push(`| ${MARK[change.effect]} | \`${cell(change.coordinate)}\` | ${change.kind} | ${cell(show(change.before))} | ${cell(show(change.after))} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

export function formatDiff(format: DiffFormat, changes: readonly PolicyChange[], old: SideLabel, next: SideLabel): string {
  switch (format) {
    case 'text': return formatText(changes, old, next);
    case 'md': return formatMarkdown(changes, old, next);
    case 'json': return `${JSON.stringify({ old: old.name, new: next.name, oldVersion: old.version, newVersion: next.version, widens: widens(changes), changes }, null, 2)}\n`;
    default: {
      const unreachable: never = format;
      return unreachable;
    }
  }
}
