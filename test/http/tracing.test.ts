/**
 * OpenTelemetry tracing through the real gateway, with an in-memory span exporter: every layer of a
 * request has its span under the request's span, and no span — name, attribute, event or status —
 * holds any of the demo data's emails, phones or names, even for an exact-email lookup, a
 * rectification that writes new values, and a failing request. What a store span says about a query
 * is scrubbed by the policy's @pii annotations, so a newly annotated field is covered without code.
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy } from '../../directives/compilePolicy';
import { buildAnnotatedSchema, loadTypeDefs } from '../../src/server/buildSchema';
import { createFilterScrubber } from '../../src/tracing/scrub';
import { startTracing, tracesExporterFrom, type Tracing } from '../../src/tracing/setup';
import { generateDemoData } from '../../src/store/seed';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

const COUNT = 50;
const demo = [...generateDemoData(COUNT).customers].sort((a, b) => (a._id < b._id ? -1 : 1));
const FIELDS = 'id email phone fullName birthDate postalCode country loyaltyTier lifetimeValue orderCount lastPurchaseAt interests';
const NEW_PHONE = '+49 170 5550 1234';
const NEW_NAME = 'Traced Rectified-Person';

/** Everything personal that must never reach a span. */
const personalValues = [...demo.flatMap((c) => [c.email, c.phone, c.fullName, ...(c.fullName ?? '').split(' ')]), NEW_PHONE, NEW_NAME]
  .filter((value): value is string => typeof value === 'string' && value.length >= 3);

const exporter = new InMemorySpanExporter();
let tracing: Tracing | null;
let gw: TestGateway;
let spans: ReadableSpan[];

/** A span as text: its name, attributes, events (names and attributes), status and links. */
function spanText(span: ReadableSpan): string {
  return JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })), status: span.status });
}

beforeAll(async () => {
  tracing = startTracing({}, exporter);
  gw = await startTestGateway({ customers: COUNT });
  const officer = await gw.token({ role: 'privacy_officer', purposes: ['LEGAL_COMPLIANCE'], sub: 'po-trace' });
  const marketer = await gw.token({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-trace' });
  const support = await gw.token({ role: 'support', purposes: ['SUPPORT'], sub: 'sp-trace' });
  exporter.reset();
  const answers = [
    await gw.gql(`{ customers(first: ${COUNT}) { edges { node { ${FIELDS} } } } }`, { token: marketer, purpose: 'MARKETING' }),
    await gw.gql(`{ customers(first: ${COUNT}) { edges { node { ${FIELDS} consents { purpose status } } } } }`, { token: officer, purpose: 'LEGAL_COMPLIANCE' }),
    await gw.gql('query($email: String!) { customer(email: $email) { id email phone fullName } }', { token: support, purpose: 'SUPPORT', variables: { email: demo[7]!.email } }),
    await gw.gql('mutation($id: ID!, $input: RectifyCustomerInput!) { rectifyCustomer(id: $id, input: $input) { id phone fullName } }', {
      token: officer, purpose: 'LEGAL_COMPLIANCE', variables: { id: demo[3]!._id, input: { phone: NEW_PHONE, fullName: NEW_NAME } },
    }),
  ];
  for (const answer of answers) expect(answer.body.errors).toBeUndefined();
  // The clear values really were served: the spans are checked against data that passed through.
  expect(JSON.stringify(answers[1]!.body)).toContain(demo[0]!.email);
  expect(answers[2]!.body.data!.customer.email).toBe(demo[7]!.email);
  expect(answers[3]!.body.data!.rectifyCustomer.phone).toBe(NEW_PHONE);
  // Refusals and errors are traced too: a lookup by email literal, a gate refusal (no purpose stated), a bad token.
  await gw.gql(`{ customer(email: "${demo[9]!.email}") { id email } }`, { token: marketer, purpose: 'MARKETING' });
  const undecided = await gw.token({ role: 'marketer', purposes: ['MARKETING', 'ANALYTICS'], sub: 'mk-trace-2' });
  const refused = await gw.gql(`{ customers(first: 2) { edges { node { id } } } }`, { token: undecided });
  expect(refused.body.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
  await gw.gql('{ customers(first: 2) { edges { node { id } } } }', { token: 'Bearer.not.a-token' });
  spans = exporter.getFinishedSpans();
});

afterAll(async () => {
  await gw?.close();
  await tracing?.shutdown();
});

describe('a span per layer', () => {
  it.each(['gateway.request', 'gateway.auth', 'gateway.gate', 'gateway.store', 'gateway.decryption', 'gateway.enforcement', 'gateway.audit'])('%s', (name) => {
    expect(spans.filter((span) => span.name === name).length).toBeGreaterThan(0);
  });

  it('nests every layer under its request span', () => {
    const requests = new Map(spans.filter((span) => span.name === 'gateway.request').map((span) => [span.spanContext().traceId, span]));
    expect(requests.size).toBe(7);
    for (const span of spans) expect(requests.has(span.spanContext().traceId)).toBe(true);
    const page = spans.find((span) => span.name === 'gateway.enforcement' && span.attributes['gateway.role'] === 'marketer')!;
    expect(page.attributes['gateway.privacy.subjects']).toBe(COUNT);
    expect(page.attributes['gateway.operations']).toEqual(['Query.customers']);
  });

  it('names the gate outcome and the refusal code', () => {
    const outcomes = spans.filter((span) => span.name === 'gateway.gate').map((span) => span.attributes['gateway.gate.outcome']);
    expect(outcomes).toContain('allow');
    expect(outcomes.some((outcome) => outcome !== 'allow')).toBe(true);
  });
});

describe('no personal value in any span', () => {
  it(`holds none of the ${personalValues.length} demo emails, phones and names`, () => {
    expect(spans.length).toBeGreaterThan(20);
    const text = spans.map(spanText).join('\n');
    const leaked = personalValues.filter((value) => text.includes(value));
    expect(leaked).toEqual([]);
  });

  it('shows the email lookup with the value replaced by its @pii category', () => {
    const summaries = spans.filter((span) => span.name === 'gateway.store').map((span) => String(span.attributes['db.query.summary']));
    expect(summaries).toContain('{"email":"[CONTACT_EMAIL]","erasedAt":{"$exists":false}}');
  });
});

describe('scrubbing follows the policy', () => {
  it('hides a newly annotated field without a code change', () => {
    const extension = 'extend type Customer { loyaltyNumber: String @pii(category: IDENTIFIER, redact: NULL) @purpose(allowed: [SUPPORT]) }';
    const scrub = createFilterScrubber(compilePolicy(buildAnnotatedSchema([...loadTypeDefs(), extension])));
    expect(JSON.parse(scrub({ $and: [{ loyaltyNumber: { $in: ['LN-123456', 'LN-654321'] } }, { _id: 'cus_1', orderCount: { $gt: 3 } }] }))).toEqual({
      $and: [{ loyaltyNumber: { $in: ['[IDENTIFIER]', '[IDENTIFIER]'] } }, { _id: 'cus_1', orderCount: { $gt: '[BEHAVIOR]' } }],
    });
    const before = createFilterScrubber(compilePolicy(buildAnnotatedSchema()));
    expect(before({ loyaltyNumber: 'LN-123456' })).toBe('{"loyaltyNumber":"LN-123456"}');
  });

  it.each([
    [{}, 'none'],
    [{ OTEL_TRACES_EXPORTER: 'none' }, 'none'],
    [{ OTEL_TRACES_EXPORTER: 'console' }, 'console'],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, 'otlp'],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }, 'none'],
  ])('exporter from %j is %s', (env, expected) => {
    expect(tracesExporterFrom(env)).toBe(expected);
  });

  it('refuses an unknown exporter', () => {
    expect(() => tracesExporterFrom({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/otlp, console or none/);
  });
});
