/**
 * Apollo plugin: the `gateway.enforcement` span, from the start of execution (gate, resolvers, field
 * enforcement, lazy decryption of what enforcement reads) to its end, carrying what the privacy layer
 * decided — root operations, coordinates read, clear and redacted value counts per coordinate and
 * reason, number of subjects — the same figures as `extensions.privacy`, never a value or a subject id.
 * Registered hooks only exist while tracing is on; otherwise the plugin adds nothing to a request.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../admission/context';
import { rootCoordinates } from '../audit/requestEvents';
import { tracingEnabled } from './setup';
import { markFailed, startSpan } from './spans';

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

export function tracingPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      if (!tracingEnabled()) return undefined;
      return {
        async executionDidStart({ contextValue, operation, document }) {
          const span = startSpan('gateway.enforcement', {
            'graphql.operation.type': operation.operation,
            'gateway.operations': rootCoordinates(operation, document),
            'gateway.role': contextValue.caller?.role ?? 'anonymous',
            'gateway.purpose': contextValue.purpose ?? 'none',
          });
          return {
            async executionDidEnd(error) {
              const privacy = contextValue.privacy;
              const redacted = [...privacy.redactions.values()].map((counts) => sum(Object.values(counts)));
              span.setAttributes({
                'gateway.privacy.coordinates': privacy.fields,
                'gateway.privacy.clear_values': sum(privacy.clearReads.values()),
                'gateway.privacy.redacted_values': sum(redacted),
                'gateway.privacy.subjects': privacy.subjects.size,
                'gateway.privacy.denials': privacy.failures.length,
                'gateway.privacy.redactions': JSON.stringify(privacy.toExtension().redactions),
              });
              if (error !== undefined) markFailed(span, error);
              span.end();
            },
          };
        },
      };
    },
  };
}
