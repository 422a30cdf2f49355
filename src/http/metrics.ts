import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's one Prometheus registry. The engine and the app define their metrics through
 * the helpers below and GET /metrics serves them all, e.g.
 *
 *   const received = defineCounter({ name: 'sip_messages_received_total', help: '…', labelNames: ['method'] });
 *   received.inc({ method: 'INVITE' });
 *
 * The helpers return the metric already registered under a name, so a module loaded twice (tests,
 * restarts of a component inside one process) does not throw prom-client's duplicate error.
 */
export const registry = new Registry();

let defaultsCollected = false;

/** Adds prom-client's process metrics (CPU, memory, event-loop lag, handles) once. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: registry });
}

interface MetricSpec<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export function defineCounter<L extends string = string>(spec: MetricSpec<L>): Counter<L> {
  const existing = registry.getSingleMetric(spec.name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ ...spec, labelNames: spec.labelNames ?? [], registers: [registry] });
}

export function defineGauge<L extends string = string>(spec: MetricSpec<L>): Gauge<L> {
  const existing = registry.getSingleMetric(spec.name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ ...spec, labelNames: spec.labelNames ?? [], registers: [registry] });
}

export function defineHistogram<L extends string = string>(
  spec: MetricSpec<L> & { buckets?: number[] },
): Histogram<L> {
  const existing = registry.getSingleMetric(spec.name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ ...spec, labelNames: spec.labelNames ?? [], registers: [registry] });
}
