/**
 * Gateway mode executes with graphql-js, by the explicit `upstream` rule (docs/execution.md): its
 * stitched schema delegates through resolvers that rebuild the upstream request from `info`. The
 * executions counter shows the rule at work, and nothing is compiled.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startUpstreamGateway, type UpstreamTestGateway } from '../helpers/upstreamGateway';

let gw: UpstreamTestGateway;

beforeAll(async () => {
  gw = await startUpstreamGateway();
});
afterAll(async () => gw?.close());

async function executions(): Promise<string[]> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  return text.split('\n').filter((line) => /^privacy_gateway_(graphql_executions_total|execution_plan_cache_total)\{/.test(line));
}

it('runs every operation on graphql-js under the upstream rule and compiles nothing', async () => {
  const token = await gw.token({ role: 'marketer', purposes: ['MARKETING'], sub: 'mk-1' });
  const response = await gw.gql('{ customers(first: 3) { id email country } }', { token, purpose: 'MARKETING' });
  expect(response.body.errors).toBeUndefined();
  expect((response.body.data as { customers: unknown[] }).customers).toHaveLength(3);
  expect(await executions()).toEqual(['privacy_gateway_graphql_executions_total{engine="graphql-js",fallback="upstream"} 1']);
});
