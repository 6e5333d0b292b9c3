/**
 * The manifest's role rows come from the operations table the gate is built from, so they cannot drift
 * from what is enforced: each role's writes are exactly the mutations the gate lets it run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

let gw: TestGateway;
let roles: { name: string; aggregates: boolean; operations: string[]; writes: string[] }[];

beforeAll(async () => {
  gw = await startTestGateway({ customers: 5 });
  const response = await fetch(`${gw.url}/privacy/manifest`);
  roles = ((await response.json()) as { roles: typeof roles }).roles;
});
afterAll(async () => gw.close());

describe('manifest role rows', () => {
  it.each([
    ['privacy_officer', true, ['Mutation.createSegment', 'Mutation.eraseCustomer', 'Mutation.exportCustomerData', 'Mutation.rectifyCustomer', 'Mutation.registerPartner', 'Mutation.revokePartner', 'Mutation.setConsent']],
    ['marketer', true, ['Mutation.createSegment']],
    ['analyst', true, ['Mutation.createSegment']],
    ['support', false, ['Mutation.rectifyCustomer', 'Mutation.setConsent']],
    ['partner', true, []],
    ['customer', false, ['Mutation.eraseCustomer', 'Mutation.exportCustomerData', 'Mutation.setConsent']],
  ])('%s: aggregates %s, writes %j', (name, aggregates, writes) => {
    const row = roles.find((role) => role.name === name)!;
    expect(row).toMatchObject({ aggregates, writes });
    expect(row.operations).toEqual(expect.arrayContaining(writes));
  });

  it('lists what each role may read from the same table: partners never reach records', () => {
    const partner = roles.find((role) => role.name === 'partner')!;
    expect(partner.operations).toEqual(['Query.privacyManifest', 'Query.segment', 'Query.segmentReport', 'Query.segments']);
    const support = roles.find((role) => role.name === 'support')!;
    expect(support.operations).toContain('Query.customer');
    expect(support.operations).not.toContain('Query.customers');
  });
});
