/** Free ports for tests: the allocator shared with the SIP benchmark (src/bench/ports.ts). */
export { freePort } from '../../src/bench/ports.js';
