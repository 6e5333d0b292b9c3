import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config';

const strong = 'x'.repeat(32);

describe('config', () => {
  it('has safe development defaults and warns about development secrets', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', nodeEnv: 'development', kAnonymity: 10, rateLimitPerMinute: 6000, demoCustomers: 10_000, mongodbUri: undefined, mongodbDb: 'privacy_gateway', reportEpsilon: undefined });
    expect(config.warnings.join('\n')).toMatch(/JWT_SECRET not set/);
    expect(config.warnings.join('\n')).toMatch(/PSEUDONYM_KEY not set/);
  });

  it.each([
    [{ NODE_ENV: 'production' }, /JWT_SECRET is required in production/],
    [{ NODE_ENV: 'production', JWT_SECRET: 'short', PSEUDONYM_KEY: strong }, /JWT_SECRET must be at least 32 bytes/],
    [{ NODE_ENV: 'production', JWT_SECRET: strong }, /PSEUDONYM_KEY is required in production/],
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be between/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV must be/],
    [{ K_ANONYMITY: '1' }, /K_ANONYMITY must be between/],
    [{ REPORT_EPSILON: '-1' }, /REPORT_EPSILON must be a positive number/],
    [{ MONGODB_URI: 'postgres://x' }, /MONGODB_URI must start with mongodb/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
  ])('%o fails start-up: %s', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('accepts strong secrets in production without warnings about them', () => {
    const config = loadConfig({
      NODE_ENV: 'production', JWT_SECRET: strong, PSEUDONYM_KEY: strong.replace(/x/g, 'y'),
      MASTER_KEY: strong.replace(/x/g, 'm'), BLIND_INDEX_KEY: strong.replace(/x/g, 'b'),
    });
    expect(config.jwtSecret).toBe(strong);
    expect(config.warnings.filter((w) => /JWT_SECRET|PSEUDONYM_KEY/.test(w))).toEqual([]);
  });
});
