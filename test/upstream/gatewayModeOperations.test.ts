/**
 * Gateway mode's operational side through the real server: the per-caller schema, audit events,
 * metrics and the manifest compiled from the overlay; readiness and an unreachable upstream; and
 * start-up refusing a configuration that names what the upstream does not have.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventDraft } from '../../src/audit/auditEvent';
import { FIXTURE_GATEWAY_CONFIG, startUpstreamGateway, type UpstreamTestGateway } from '../helpers/upstreamGateway';

const FIXTURE_SDL = fileURLToPath(new URL('../fixtures/upstream/schema.graphql', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'pg-upstream-config-'));

type Json = Record<string, any>;

/** The fixture configuration, read from its SDL file instead of introspection, changed by `edit`. */
function configFile(name: string, edit: (upstream: Json) => void = () => undefined): string {
  const config = JSON.parse(readFileSync(FIXTURE_GATEWAY_CONFIG, 'utf8')) as { upstreams: Json[] };
  config.upstreams[0]!.schema = { sdlFile: FIXTURE_SDL };
  edit(config.upstreams[0]!);
  const file = join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

let gw: UpstreamTestGateway;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  gw = await startUpstreamGateway();
  tokens.marketer = await gw.token({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-1' });
  tokens.support = await gw.token({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-1' });
  tokens.partner = await gw.token({ role: 'partner', purposes: ['ANALYTICS'], sub: 'demo-partner', scope: 'segments:read', partnerId: 'demo-partner' });
}, 60_000);
afterAll(async () => {
  await gw?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function auditOf(requestId: string | null): Promise<AuditEventDraft[]> {
  return gw.store.collection('audit').find({ requestId }) as unknown as Promise<AuditEventDraft[]>;
}

describe('gateway mode: per-caller schema', () => {
  const typeNames = async (token: string, purpose: string) => {
    const response = await gw.gql('{ __schema { queryType { fields { name } } types { name } } }', { token, purpose });
    return {
      roots: response.body.data!.__schema.queryType.fields.map((field: { name: string }) => field.name).sort(),
      hasCustomer: response.body.data!.__schema.types.some((type: { name: string }) => type.name === 'Customer'),
    };
  };

  it.each([
    ['marketer', 'MARKETING', ['crash', 'customer', 'customers', 'node', 'orders', 'privacyManifest'], true],
    ['support', 'SUPPORT', ['consentHistory', 'crash', 'customer', 'privacyManifest'], true],
    ['partner', 'ANALYTICS', ['privacyManifest'], false],
  ])('%s sees only its operations (%s)', async (role, purpose, roots, hasCustomer) => {
    expect(await typeNames(tokens[role]!, purpose)).toEqual({ roots, hasCustomer });
  });
});

describe('gateway mode: upstream mutations', () => {
  it('support may run an upstream mutation under SUPPORT; its result is enforced like any read', async () => {
    const response = await gw.gql('mutation { updateEmail(id: "c0005", email: "new5@example.com") { id email phone } }', { token: tokens.support, purpose: 'SUPPORT' });
    expect(response.body.data).toEqual({ updateEmail: { id: 'c0005', email: 'new5@example.com', phone: '+49 170 1000004' } });
    const marketer = await gw.gql('{ customer(id: "c0005") { email } }', { token: tokens.marketer, purpose: 'MARKETING' });
    expect(marketer.body.data).toEqual({ customer: { email: 'n***@e***.com' } });
  });
});

describe('gateway mode: audit, metrics, manifest', () => {
  it('a read of upstream personal data is audited with its subjects and fields; a refusal as a denial', async () => {
    const read = await gw.gql('{ customers(first: 2) { email orders { total } } }', { token: tokens.marketer, purpose: 'MARKETING' });
    expect(await auditOf(read.headers.get('x-request-id'))).toMatchObject([{
      kind: 'read', actor: 'mk-1', role: 'marketer', purpose: 'MARKETING', operation: 'Query.customers',
      subjectIds: ['c0001', 'c0002'], fields: ['Customer.email', 'Order.total'], decision: 'REDACT',
    }]);
    const refused = await gw.gql('{ customers(first: 2) { email } }', { token: tokens.support, purpose: 'SUPPORT' });
    expect(await auditOf(refused.headers.get('x-request-id'))).toMatchObject([{ kind: 'denial', operation: 'Query.customers', decision: 'DENY' }]);
  });

  it('redactions are counted in the metrics by coordinate and reason', async () => {
    await gw.gql('{ customers(first: 2) { phone } }', { token: tokens.marketer, purpose: 'MARKETING' });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/privacy_gateway_redactions_total\{coordinate="Customer\.phone",reason="PURPOSE"\} [1-9]/);
  });

  it('the manifest is compiled from the overlay', async () => {
    const manifest = await (await fetch(`${gw.url}/privacy/manifest`)).json() as { fields: Json[] };
    expect(manifest.fields.map((field) => `${field.type}.${field.field}:${field.category}:${field.redact}`).sort()).toEqual([
      'Customer.birthDate:DATE_OF_BIRTH:GENERALIZE', 'Customer.email:CONTACT_EMAIL:MASK', 'Customer.fullName:NAME:PSEUDONYMIZE',
      'Customer.phone:CONTACT_PHONE:NULL', 'Customer.postalCode:CONTACT_POSTAL_CODE:GENERALIZE',
      'Order.shippingAddress:LOCATION:NULL', 'Order.total:FINANCIAL:NULL',
    ]);
    const query = await gw.gql('{ privacyManifest }');
    expect(query.body.data!.privacyManifest.fields).toHaveLength(7);
  });
});

describe('gateway mode: an unreachable upstream', () => {
  it('is INTERNAL_SERVER_ERROR for data (masked) and 503 on /readyz', async () => {
    const local = await startUpstreamGateway({ configFile: configFile('sdl') });
    try {
      const token = await local.token({ role: 'marketer', purposes: ['MARKETING'] });
      expect((await fetch(`${local.url}/readyz`)).status).toBe(200);
      await local.upstream.stop();
      expect((await fetch(`${local.url}/readyz`)).status).toBe(503);
      const response = await local.gql('{ customers(first: 1) { email } }', { token, purpose: 'MARKETING' });
      expect(response.body).toEqual({ data: null, errors: [{ message: 'Internal server error', path: ['customers'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    } finally {
      await local.close();
    }
  });
});

/** Runs the real entry point with a configuration; resolves with its exit code and stderr (or null while it serves). */
function startEntry(config: string): Promise<{ code: number | null; stderr: string }> {
  const dataDir = mkdtempSync(join(scratch, 'data-'));
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', DATA_DIR: dataDir, GATEWAY_CONFIG: config, SHOP_URL: 'http://127.0.0.1:9/graphql', SHOP_KEY: 'k' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGTERM'); resolve({ code: null, stderr }); }, 20_000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
  });
}

describe('gateway mode: start-up refuses a configuration the upstream does not match', () => {
  it.each<[string, (upstream: Json) => void, string]>([
    ['a field the upstream lacks', (u) => { u.types.Customer.fields.emial = { category: 'CONTACT_EMAIL', purposes: ['SUPPORT'] }; }, 'Customer.emial'],
    ['a type the upstream lacks', (u) => { u.types.Invoice = { subjectKey: 'id', fields: {} }; }, 'Invoice'],
    ['a subject key the upstream lacks', (u) => { u.types.Order.subjectKey = 'ownerId'; }, 'Order.ownerId'],
    ['@pii fields without a subject key', (u) => { delete u.types.Order.subjectKey; }, 'Order'],
    ['@pii without a purpose', (u) => { u.types.Customer.fields.country = { category: 'LOCATION' }; }, 'Customer.country'],
    ['an operation the upstream lacks', (u) => { u.operations['Query.invoices'] = { roles: ['marketer'] }; }, 'Query.invoices'],
  ])('%s', async (name, edit, coordinate) => {
    const { code, stderr } = await startEntry(configFile(name.replace(/\W+/g, '-'), edit));
    expect(code).toBe(1);
    expect(stderr).toContain(`Schema policy error at ${coordinate}:`);
  });
});
