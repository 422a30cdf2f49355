import { PortRangeExhaustedError } from '../MediaErrors.js';

/**
 * The even ports of the RTP range (RTP on even ports, RFC 3550 §11; we send no RTCP). Hands out
 * ports round-robin so a just-freed port is not reused at once (late packets of the old call).
 */
export class PortPool {
  private readonly ports: number[] = [];
  private readonly used = new Set<number>();
  private next = 0;

  constructor(readonly portMin: number, readonly portMax: number) {
    for (let p = portMin + (portMin % 2); p <= portMax; p += 2) this.ports.push(p);
    if (this.ports.length === 0) throw new RangeError(`RTP port range ${portMin}-${portMax} holds no even port`);
  }

  /** Takes the next free port; `skip` ports (e.g. failed binds) are passed over. */
  acquire(skip?: ReadonlySet<number>): number {
    for (let i = 0; i < this.ports.length; i++) {
      const port = this.ports[(this.next + i) % this.ports.length];
      if (this.used.has(port) || skip?.has(port)) continue;
      this.next = (this.next + i + 1) % this.ports.length;
      this.used.add(port);
      return port;
    }
    throw new PortRangeExhaustedError(this.portMin, this.portMax);
  }

  release(port: number): void {
    this.used.delete(port);
  }

  get inUse(): number {
    return this.used.size;
  }

  get capacity(): number {
    return this.ports.length;
  }
}
