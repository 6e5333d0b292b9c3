import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/** The suites of `npm run test:browser`: they drive Debian's Chromium (/usr/bin/chromium) through playwright-core. */
export const BROWSER_SUITES = 'test/browser/**/*.test.ts';

/**
 * `npm test` runs every suite that needs nothing but Node.js; `npm run test:browser` runs the browser
 * suites (same settings, `--config vitest.browser.config.ts`). CI runs both.
 */
export function gatewayTestConfig(suites: 'node' | 'browser') {
  return defineConfig({
    resolve: {
      // One graphql realm: tests import it as ESM while graphql-tools/shield load the CommonJS build.
      alias: { graphql: require.resolve('graphql') },
    },
    test: {
      include: suites === 'node' ? ['test/**/*.test.ts'] : [BROWSER_SUITES],
      exclude: suites === 'node' ? [BROWSER_SUITES, '**/node_modules/**'] : ['**/node_modules/**'],
      environment: 'node',
      pool: 'forks',
      // Two cores: each HTTP suite starts its own gateway; more workers only thrash.
      maxWorkers: suites === 'node' ? 2 : 1,
      testTimeout: 30_000,
      hookTimeout: 60_000,
      env: { NODE_ENV: 'test', LOG_LEVEL: 'silent' },
    },
  });
}

export default gatewayTestConfig('node');
