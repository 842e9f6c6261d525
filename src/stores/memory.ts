// The in-memory store lives in the core, as the default every endpoint gets; this is its place among the stores.
export { memoryStore, MemoryIdempotencyStore, StoreFullError, type MemoryStoreOptions } from '../core/memory-store.js'
