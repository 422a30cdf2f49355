/**
 * The seam between the app and its shared state. The interfaces live in StoreTypes.ts; this file
 * keeps the import path the rest of the app uses.
 */
export type { Store } from './StoreTypes.js';
