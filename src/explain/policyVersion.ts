/**
 * The policy version: a content hash of the compiled policy as the manifest publishes it (fields,
 * purposes, roles). Two gateways with the same annotations and registries report the same version;
 * any change to an annotation or a registry changes it. Explanations carry it so that a decision can
 * be tied to the exact rules that made it.
 */
import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { PrivacyManifest } from '../privacy/manifest';

export function manifestVersion(manifest: PrivacyManifest): string {
  const { fields, purposes, roles } = manifest;
  const canonical = stringify({ fields, purposes, roles }) ?? '';
  return `sha256:${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

