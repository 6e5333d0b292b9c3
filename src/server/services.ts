/**
 * The services one gateway instance shares across its requests (admission/context.ts GatewayServices),
 * built from the configuration, the store and the compiled policy. The gateway and the benchmark's
 * privacy-off baseline both build theirs here, so they cannot drift apart.
 */
import type { Logger } from 'pino';
import type { GatewayServices } from '../admission/context';
import type { AuditEventDocument } from '../audit/auditEvent';
import { AuditLog } from '../audit/auditLog';
import { importTokenKey } from '../auth/tokens';
import { TokenVerifier } from '../auth/tokenVerifier';
import type { Config } from '../config/config';
import { guardCustomerReads } from '../enforcement/recordGuard';
import { createPseudonymizer } from '../enforcement/redaction';
import { createGatewayMetrics } from '../metrics/gatewayMetrics';
import type { Policy } from '../policy/types';
import { buildManifest } from '../privacy/manifest';
import type { Store } from '../store/port';

export async function createServices(config: Config, store: Store, logger: Logger, policy: Policy): Promise<GatewayServices> {
  const jwtKey = await importTokenKey(config.jwtSecret);
  return {
    config, store, policy, logger,
    pseudonymize: createPseudonymizer(config.pseudonymKey),
    jwtKey,
    tokens: new TokenVerifier(jwtKey),
    auditLog: new AuditLog(store.collection<AuditEventDocument>('audit')),
    metrics: createGatewayMetrics(),
    manifest: buildManifest(policy),
    requestStore: guardCustomerReads(store),
    loggedErrors: new WeakSet(),
  };
}
