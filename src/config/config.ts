/**
 * One typed, validated configuration object, read once from the environment.
 *
 * Every setting has a default that is safe for development; production (`NODE_ENV=production`)
 * refuses weak or missing secrets. Unknown `PG_*`-style typos cannot be detected generically, so we
 * validate every variable we own and fail start-up with a message naming it when it is malformed.
 */
import { join } from 'node:path';

export type NodeEnv = 'development' | 'test' | 'production';

export interface Config {
  /** TCP port to listen on; 0 picks a free one (tests). */
  port: number;
  /** Interface to bind; loopback by default so a dev gateway is not exposed by accident. */
  host: string;
  nodeEnv: NodeEnv;
  /** Stack traces and internal messages in error responses: only in development. */
  exposeErrorDetails: boolean;
  /** HS256 key for caller tokens. */
  jwtSecret: string;
  /** HMAC key for pseudonyms (PSEUDONYMIZE redaction). */
  pseudonymKey: string;
  /** Encryption at rest of personal data (src/crypto, src/store/encryption/encryptedStore.ts). */
  encryption: EncryptionConfig;
  /** Embedded store's directory (ignored with MONGODB_URI). */
  dataDir: string;
  /** MongoDB connection string; unset means the embedded store. */
  mongodbUri: string | undefined;
  mongodbDb: string;
  /** GATEWAY_CONFIG: gateway mode's configuration file (upstreams and annotation overlay); unset means managed mode. */
  gatewayConfigPath: string | undefined;
  /** Demo customers seeded into an empty embedded store. */
  demoCustomers: number;
  /** Minimum group size in segment reports; smaller groups are suppressed. */
  kAnonymity: number;
  /** Laplace noise scale for report figures; undefined = no noise. */
  reportEpsilon: number | undefined;
  /** Requests per caller per minute before RATE_LIMITED. */
  rateLimitPerMinute: number;
  /** Largest accepted request body in bytes (413 above). */
  bodyLimitBytes: number;
  /** Largest `first` on any connection. */
  maxPageSize: number;
  /** Pre-execution query limits (QUERY_TOO_COMPLEX above them); see validation/queryLimits.ts. */
  queryLimits: QueryLimitsConfig;
  /** Fastify connection and request timeouts in ms: a slow or stalled client is cut off after this. */
  requestTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How GraphQL operations are executed (docs/execution.md). */
  execution: ExecutionConfig;
  /** Development secrets were substituted; logged once at start. */
  warnings: string[];
}

/** Query limits, checked before execution. Defaults allow every legitimate query of this schema. */
export interface QueryLimitsConfig {
  /** MAX_QUERY_DEPTH (default 15): deepest field nesting, introspection included (GraphiQL's introspection query needs 15; data queries of this schema need at most 7). */
  maxDepth: number;
  /** MAX_QUERY_ALIASES (default 15): aliases per operation; alias bombs repeat one expensive field under many names. */
  maxAliases: number;
  /** MAX_QUERY_TOKENS (default 2000): lexer tokens per document, checked while parsing; stops huge documents early. */
  maxTokens: number;
  /** MAX_QUERY_DIRECTIVES (default 20): directives per operation (`@include`, `@skip` repetition bombs). */
  maxDirectives: number;
  /** MAX_QUERY_COST (default 50000): estimated fields resolved; a list field multiplies its children by `first` (or LIST_COST_FACTOR). A full page of 500 customers with every field costs about 30000. */
  maxCost: number;
  /** LIST_COST_FACTOR (default 10): assumed size of a list field that has no `first` argument. */
  listCostFactor: number;
}

/** Keys for encryption at rest. Each secret is a string of at least 32 bytes (production refuses less). */
export interface EncryptionConfig {
  /** ENCRYPTION (default `on`): `off` stores personal data in clear; development/test only, for measuring its cost. */
  enabled: boolean;
  /** MASTER_KEY: wraps every subject's data key. */
  masterKey: string;
  /** MASTER_KEY_PREVIOUS: the master key being rotated away from; accepted for unwrapping only (`npm run rotate-keys`). */
  previousMasterKey: string | undefined;
  /** BLIND_INDEX_KEY: HMAC key of the email blind index; must differ from MASTER_KEY. */
  blindIndexKey: string;
  /** DECRYPTION_CACHE_SUBJECTS (default 10000): subjects whose unwrapped keys and decrypted values stay in memory; 0 turns the cache off. */
  cacheSubjects: number;
  /** DECRYPTION_CACHE_TTL_SECONDS (default 600): how long a subject stays cached (bounds staleness after an erasure by another process). */
  cacheTtlSeconds: number;
}

/** The executor (docs/execution.md). */
export interface ExecutionConfig {
  /** GRAPHQL_EXECUTOR (default `compiled`): `compiled` runs operations through graphql-jit plans; `graphql-js` runs every operation with graphql-js `execute`. */
  executor: 'compiled' | 'graphql-js';
  /** EXECUTION_PLAN_CACHE_SIZE (default 200): execution plans kept per visibility class, least recently used dropped first (a compiled page query holds ~100 KB). */
  planCacheSize: number;
  /** EXECUTION_COMPILE_AFTER (default 2): runs of a document before it is compiled; until then graphql-js runs it (1 compiles on first sight). */
  compileAfter: number;
}

function executionConfig(env: Env): ExecutionConfig {
  const executor = (env.GRAPHQL_EXECUTOR ?? 'compiled').trim();
  if (executor !== 'compiled' && executor !== 'graphql-js') throw new ConfigError(`GRAPHQL_EXECUTOR must be compiled or graphql-js, got "${env.GRAPHQL_EXECUTOR}"`);
  return {
    executor,
    planCacheSize: integer(env, 'EXECUTION_PLAN_CACHE_SIZE', 200, 1, 100_000),
    compileAfter: integer(env, 'EXECUTION_COMPILE_AFTER', 2, 1, 1000),
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The development JWT secret: known to everyone, so development-only tools (dev tokens) require it. */
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-0123456789abcdef';
const DEV_PSEUDONYM_KEY = 'dev-only-pseudonym-key-change-me-0123456789ab';
const DEV_MASTER_KEY = 'dev-only-master-key-change-me-0123456789abcdef';
const DEV_BLIND_INDEX_KEY = 'dev-only-blind-index-key-change-me-0123456789';
const MIN_SECRET_BYTES = 32;

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function secret(env: Env, name: string, devValue: string, nodeEnv: NodeEnv, warnings: string[]): string {
  const raw = env[name];
  if (raw !== undefined && raw !== '') {
    if (Buffer.byteLength(raw) < MIN_SECRET_BYTES) {
      if (nodeEnv === 'production') throw new ConfigError(`${name} must be at least ${MIN_SECRET_BYTES} bytes in production`);
      warnings.push(`${name} is shorter than ${MIN_SECRET_BYTES} bytes; production would refuse it`);
    }
    return raw;
  }
  if (nodeEnv === 'production') throw new ConfigError(`${name} is required in production (at least ${MIN_SECRET_BYTES} bytes)`);
  warnings.push(`${name} not set: using the development value (never use it in production)`);
  return devValue;
}

function encryptionConfig(env: Env, nodeEnv: NodeEnv, warnings: string[]): EncryptionConfig {
  const switchRaw = (env.ENCRYPTION ?? 'on').trim().toLowerCase();
  if (switchRaw !== 'on' && switchRaw !== 'off') throw new ConfigError(`ENCRYPTION must be on or off, got "${env.ENCRYPTION}"`);
  if (switchRaw === 'off') {
    if (nodeEnv === 'production') throw new ConfigError('ENCRYPTION=off is refused in production: personal data must be encrypted at rest');
    warnings.push('ENCRYPTION=off: personal data is stored in clear (for measurements only)');
  }
  const masterKey = secret(env, 'MASTER_KEY', DEV_MASTER_KEY, nodeEnv, warnings);
  const blindIndexKey = secret(env, 'BLIND_INDEX_KEY', DEV_BLIND_INDEX_KEY, nodeEnv, warnings);
  if (blindIndexKey === masterKey) {
    if (nodeEnv === 'production') throw new ConfigError('BLIND_INDEX_KEY must differ from MASTER_KEY');
    warnings.push('BLIND_INDEX_KEY equals MASTER_KEY; production would refuse it');
  }
  const previousRaw = env.MASTER_KEY_PREVIOUS;
  const previousMasterKey = previousRaw === undefined || previousRaw === '' ? undefined : secret(env, 'MASTER_KEY_PREVIOUS', '', nodeEnv, warnings);
  return {
    enabled: switchRaw === 'on', masterKey, previousMasterKey, blindIndexKey,
    cacheSubjects: integer(env, 'DECRYPTION_CACHE_SUBJECTS', 10_000, 0, 1_000_000),
    cacheTtlSeconds: integer(env, 'DECRYPTION_CACHE_TTL_SECONDS', 600, 1, 86_400),
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Builds the config from an environment (process.env by default). Throws ConfigError on bad input. */
export function loadConfig(env: Env = process.env): Config {
  const warnings: string[] = [];
  const rawEnv = env.NODE_ENV ?? 'development';
  if (rawEnv !== 'development' && rawEnv !== 'test' && rawEnv !== 'production') {
    throw new ConfigError(`NODE_ENV must be development, test or production, got "${rawEnv}"`);
  }
  const nodeEnv: NodeEnv = rawEnv;
  const logLevel = env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const epsilonRaw = env.REPORT_EPSILON;
  let reportEpsilon: number | undefined;
  if (epsilonRaw !== undefined && epsilonRaw !== '') {
    reportEpsilon = Number(epsilonRaw);
    if (!Number.isFinite(reportEpsilon) || reportEpsilon <= 0) {
      throw new ConfigError(`REPORT_EPSILON must be a positive number, got "${epsilonRaw}"`);
    }
  }
  const mongodbUri = env.MONGODB_URI === '' ? undefined : env.MONGODB_URI;
  if (mongodbUri !== undefined && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    throw new ConfigError('MONGODB_URI must start with mongodb:// or mongodb+srv://');
  }
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: env.HOST ?? '127.0.0.1',
    nodeEnv,
    exposeErrorDetails: nodeEnv === 'development' && env.EXPOSE_ERRORS === '1',
    jwtSecret: secret(env, 'JWT_SECRET', DEV_JWT_SECRET, nodeEnv, warnings),
    pseudonymKey: secret(env, 'PSEUDONYM_KEY', DEV_PSEUDONYM_KEY, nodeEnv, warnings),
    encryption: encryptionConfig(env, nodeEnv, warnings),
    dataDir: env.DATA_DIR ?? join(process.cwd(), '.data'),
    mongodbUri,
    mongodbDb: env.MONGODB_DB ?? 'privacy_gateway',
    gatewayConfigPath: env.GATEWAY_CONFIG === '' ? undefined : env.GATEWAY_CONFIG,
    demoCustomers: integer(env, 'DEMO_CUSTOMERS', 10_000, 0, 1_000_000),
    kAnonymity: integer(env, 'K_ANONYMITY', 10, 2, 1_000_000),
    reportEpsilon,
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 6000, 1, 10_000_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 100_000, 1_000, 50_000_000),
    maxPageSize: 500,
    queryLimits: {
      maxDepth: integer(env, 'MAX_QUERY_DEPTH', 15, 2, 1000),
      maxAliases: integer(env, 'MAX_QUERY_ALIASES', 15, 0, 100_000),
      maxTokens: integer(env, 'MAX_QUERY_TOKENS', 2000, 50, 1_000_000),
      maxDirectives: integer(env, 'MAX_QUERY_DIRECTIVES', 20, 0, 100_000),
      maxCost: integer(env, 'MAX_QUERY_COST', 50_000, 10, 100_000_000),
      listCostFactor: integer(env, 'LIST_COST_FACTOR', 10, 1, 10_000),
    },
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    logLevel: logLevel as Config['logLevel'],
    execution: executionConfig(env),
    warnings,
  };
}
