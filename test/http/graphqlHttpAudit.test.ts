/**
 * GraphQL-over-HTTP conformance: the `graphql-http` package's server audits against the running
 * gateway (anonymous caller, `{ __typename }`-level queries). Every MUST passes; SHOULD/MAY results
 * are reported by name in the test list but not required (the gateway answers 400 on validation
 * failures even with application/json, which the spec allows).
 */
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

let gw: TestGateway | undefined;
const audits = serverAudits({ url: () => `${gw!.url}/graphql` });
const mustAudits = audits.filter((audit) => audit.name.startsWith('MUST'));

describe('graphql-http server audit', () => {
  beforeAll(async () => {
    gw = await startTestGateway({ customers: 5 });
  });
  afterAll(async () => gw?.close());

  it('covers the MUST audits', () => {
    expect(mustAudits.length).toBeGreaterThanOrEqual(13);
  });

  it.each(mustAudits.map((audit) => [audit.id, audit.name, audit] as const))('%s %s', async (_id, _name, audit) => {
    const result = await audit.fn();
    expect(result.status, result.status === 'ok' ? '' : `${result.reason}`).toBe('ok');
  });
});
