/**
 * GET /metrics through the real server: Prometheus text with the request, error, latency,
 * redaction and denial series, counted per gateway instance, with no personal data in any label.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors/errors';
import { OPERATIONS } from '../../src/policy/operations';
import { REDACTION_REASONS } from '../../src/policy/types';
import { ENGINES, PLAN_CACHE_RESULTS } from '../../src/execution/executionMetrics';
import { FALLBACK_REASONS } from '../../src/execution/executionRule';
import { roleTokens, startTestGateway, type GqlResponse, type TestGateway } from '../helpers/gateway';

/** The value of one sample, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

async function scrape(gw: TestGateway): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${gw.url}/metrics`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('/metrics', () => {
  let gw: TestGateway;
  let other: TestGateway;
  beforeAll(async () => {
    [gw, other] = await Promise.all([startTestGateway({ customers: 80 }), startTestGateway({ customers: 10 })]);
  });
  afterAll(async () => { await gw?.close(); await other?.close(); });

  it('counts requests, errors by code, latency, redactions by coordinate and reason, and denials', async () => {
    const tokens = await roleTokens(gw);
    const reads: GqlResponse[] = [];
    for (let i = 0; i < 3; i += 1) {
      reads.push(await gw.gql('{ customers(first: 25) { edges { node { id email phone fullName } } } }', { token: tokens.marketer, purpose: 'MARKETING' }));
    }
    await gw.gql('{ auditEvents { totalCount } }', { token: tokens.marketer, purpose: 'MARKETING' });
    await gw.gql('{ customers(first: 1) { totalCount } }', { token: tokens.partner });
    await gw.gql('{ customers(first: 1) { totalCount } }', { token: 'not-a-jwt' });
    await gw.gql('{ customers(first: 1) { nope } }', { token: tokens.marketer, purpose: 'MARKETING' });

    const { status, type, text } = await scrape(gw);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(text, 'privacy_gateway_graphql_requests_total', { operation_type: 'query', status: 'ok' })).toBe(3);
    expect(sample(text, 'privacy_gateway_graphql_requests_total', { operation_type: 'query', status: 'error' })).toBe(3);
    expect(sample(text, 'privacy_gateway_graphql_requests_total', { operation_type: 'unknown', status: 'error' })).toBe(1);
    expect(sample(text, 'privacy_gateway_graphql_errors_total', { code: 'FORBIDDEN' })).toBe(2);
    expect(sample(text, 'privacy_gateway_graphql_errors_total', { code: 'UNAUTHENTICATED' })).toBe(1);
    expect(sample(text, 'privacy_gateway_graphql_errors_total', { code: 'BAD_USER_INPUT' })).toBe(1);
    expect(sample(text, 'privacy_gateway_graphql_request_duration_seconds_count', { operation_type: 'query' })).toBe(6);
    expect(sample(text, 'privacy_gateway_graphql_request_duration_seconds_bucket', { operation_type: 'query', le: '+Inf' })).toBe(6);
    expect(sample(text, 'privacy_gateway_denials_total', { coordinate: 'Query.auditEvents', kind: 'role' })).toBe(1);
    expect(sample(text, 'privacy_gateway_denials_total', { coordinate: 'Query.customers', kind: 'role' })).toBe(1);
    expect(sample(text, 'privacy_gateway_audit_events_total', { decision: 'REDACT' })).toBe(3);
    expect(sample(text, 'privacy_gateway_audit_events_total', { decision: 'DENY' })).toBe(2);

    const expected = new Map<string, number>();
    for (const read of reads) {
      for (const [coordinate, reasons] of Object.entries(read.body.extensions!.privacy!.redactions)) {
        for (const [reason, count] of Object.entries(reasons)) if (count > 0) expected.set(`${coordinate}|${reason}`, (expected.get(`${coordinate}|${reason}`) ?? 0) + count);
      }
    }
    expect(expected.size).toBeGreaterThan(0);
    for (const [key, count] of expected) {
      const [coordinate, reason] = key.split('|') as [string, string];
      expect(sample(text, 'privacy_gateway_redactions_total', { coordinate, reason }), key).toBe(count);
    }
  });

  it('carries no personal data: every label value comes from a closed set', async () => {
    const { text } = await scrape(gw);
    const customers = await gw.store.collection('customers').find({});
    const allowed: Record<string, Set<string>> = {
      operation_type: new Set(['query', 'mutation', 'subscription', 'unknown']),
      status: new Set(['ok', 'error']),
      code: new Set(Object.values(ErrorCode)),
      coordinate: new Set([...gw.gateway.services.policy.fields.keys(), ...Object.keys(OPERATIONS)]),
      reason: new Set(REDACTION_REASONS),
      kind: new Set(['unauthenticated', 'role', 'scope', 'purpose-required', 'purpose-mismatch', 'not-own-subject', 'evaluator-error']),
      decision: new Set(['ALLOW', 'REDACT', 'DENY', 'ERROR']),
      engine: new Set(ENGINES),
      fallback: new Set(['none', ...FALLBACK_REASONS]),
      result: new Set(PLAN_CACHE_RESULTS),
    };
    const ours = text.split('\n').filter((line) => line.startsWith('privacy_gateway_') && !line.startsWith('privacy_gateway_process_'));
    expect(ours.length).toBeGreaterThan(10);
    for (const line of ours) {
      for (const [, key, value] of line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        if (key === 'le') expect(value).toMatch(/^(\+Inf|\d+(\.\d+)?)$/);
        else expect(allowed[key!]?.has(value!), `${key}="${value}"`).toBe(true);
      }
    }
    for (const customer of customers) {
      for (const value of [customer._id, customer.email, customer.phone, customer.fullName]) expect(text).not.toContain(`"${String(value)}"`);
    }
    expect(text).not.toMatch(/@/);
  });

  it('each gateway instance has its own registry', async () => {
    const { text } = await scrape(other);
    expect(sample(text, 'privacy_gateway_graphql_requests_total', { operation_type: 'query', status: 'ok' })).toBeUndefined();
    expect(text).toContain('# TYPE privacy_gateway_redactions_total counter');
  });
});
