import { Gauge } from 'prom-client';
import { registry } from './metrics.js';

/**
 * The embedded engine's figures (transactions, dialogs, calls, messages) as one gauge with a
 * `stat` label, read at scrape time from the latest report of the engine child process.
 * Counters from the engine (e.g. callsAttempted) only grow while one engine process lives;
 * a restarted engine starts them at zero again.
 */
export function registerEngineMetrics(read: () => Record<string, number>): void {
  if (registry.getSingleMetric('sip_engine_stat')) registry.removeSingleMetric('sip_engine_stat');
  new Gauge({
    name: 'sip_engine_stat',
    help: 'Embedded SIP engine figures by name (transactions, dialogs, calls, messages)',
    labelNames: ['stat'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [stat, value] of Object.entries(read())) this.set({ stat }, value);
    },
  });
}
