/**
 * Gateway mode's configuration file: its shape is checked at start-up and every problem names the
 * JSON path; `${NAME}` is read from the environment. (Whether coordinates exist in the upstream is
 * checked against its schema at start-up: test/upstream/gatewayModeOperations.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { GatewayConfigError, parseGatewayConfig } from '../../src/upstream/gatewayConfig';

const ENV = { SHOP_URL: 'http://127.0.0.1:4001/graphql', SHOP_KEY: 'secret-key' };

function upstream(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    upstreams: [{
      name: 'shop', url: '${SHOP_URL}', headers: { add: { 'X-Shop-Key': '${SHOP_KEY}' }, forward: ['Accept-Language'] },
      operations: { 'Query.customers': { roles: ['marketer'] } },
      types: { Customer: { subjectKey: 'id', fields: { email: { category: 'CONTACT_EMAIL', purposes: ['MARKETING'] } } } },
      ...overrides,
    }],
  });
}

describe('gateway mode configuration', () => {
  it('resolves environment variables, lower-cases header names and fills defaults', () => {
    const config = parseGatewayConfig(upstream(), '/etc/gateway/upstreams.json', ENV);
    expect(config.upstreams[0]).toMatchObject({
      name: 'shop', url: ENV.SHOP_URL, schema: { introspect: true }, timeoutMs: 10_000,
      addHeaders: { 'x-shop-key': 'secret-key' }, forwardHeaders: ['accept-language'],
      operations: { 'Query.customers': { roles: ['marketer'], purpose: true } },
    });
  });

  it('reads an SDL file relative to the configuration file', () => {
    const config = parseGatewayConfig(upstream({ schema: { sdlFile: 'shop.graphql' } }), '/etc/gateway/upstreams.json', ENV);
    expect(config.upstreams[0]!.schema).toEqual({ sdlFile: '/etc/gateway/shop.graphql' });
  });

  it.each<[string, string, Record<string, string>]>([
    ['an unset environment variable', '$.upstreams[0].url: environment variable SHOP_URL is not set', {}],
    ['a header the gateway sets itself', '$.upstreams[0].headers.add.Host: header host is set by the gateway', ENV],
    ['an unknown role', '$.upstreams[0].operations.Query.customers.roles[0]: unknown role "admin"', ENV],
    ['an unknown purpose', '$.upstreams[0].types.Customer.fields.email.purposes[0]: unknown purpose "SALES"', ENV],
    ['an unknown setting', '$.upstreams[0].retries: unknown setting', ENV],
    ['no operations', '$.upstreams[0].operations: lists no operation', ENV],
  ])('refuses %s', (name, message, env) => {
    const overrides: Record<string, Record<string, unknown>> = {
      'a header the gateway sets itself': { headers: { add: { Host: 'x' } } },
      'an unknown role': { operations: { 'Query.customers': { roles: ['admin'] } } },
      'an unknown purpose': { types: { Customer: { subjectKey: 'id', fields: { email: { category: 'CONTACT_EMAIL', purposes: ['SALES'] } } } } },
      'an unknown setting': { retries: 3 },
      'no operations': { operations: {} },
    };
    expect(() => parseGatewayConfig(upstream(overrides[name] ?? {}), 'gateway.json', env)).toThrow(GatewayConfigError);
    expect(() => parseGatewayConfig(upstream(overrides[name] ?? {}), 'gateway.json', env)).toThrow(message);
  });
});
