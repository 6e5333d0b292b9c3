/**
 * One GatewayMetrics per gateway instance, shared by the Apollo plugins and the /metrics route.
 * Keyed by the instance's services object (weakly: a closed gateway's metrics are collected with it).
 */
import type { GatewayServices } from '../context';
import { createGatewayMetrics, type GatewayMetrics } from './gatewayMetrics';

const byGateway = new WeakMap<GatewayServices, GatewayMetrics>();

export function metricsFor(services: GatewayServices): GatewayMetrics {
  let metrics = byGateway.get(services);
  if (metrics === undefined) {
    metrics = createGatewayMetrics();
    byGateway.set(services, metrics);
  }
  return metrics;
}
