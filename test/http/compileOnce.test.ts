/**
 * The policy is compiled once and handed down: opening the store (which fields to encrypt), building
 * the gate, the field wrappers, the per-caller schemas and serving a request never compile it again.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';

const compilations = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../directives/compilePolicy', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../directives/compilePolicy')>();
  return {
    ...original,
    compilePolicy: (...args: Parameters<typeof original.compilePolicy>) => {
      compilations.count += 1;
      return original.compilePolicy(...args);
    },
  };
});

const { startTestGateway, roleTokens } = await import('../helpers/gateway');
const gw = await startTestGateway({ customers: 20 });
afterAll(async () => gw.close());

describe('one compilation of the policy', () => {
  it('start-up compiles it once, and requests never again', async () => {
    expect(compilations.count).toBe(1);
    const { marketer } = await roleTokens(gw);
    const response = await gw.gql('{ customers(first: 5) { edges { node { email } } } }', { token: marketer, purpose: 'MARKETING' });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.customers.edges).toHaveLength(5);
    expect(compilations.count).toBe(1);
  });
});
