import { LRUCache } from 'lru-cache';
import type { AuthStore, InvalidationListener, WindowCount } from './auth-store.interface.js';

interface Slot {
  readonly value: string;
  count: number;
  readonly endsAt: number;
}

/** Default bound of the in-memory store: counters and values together. */
export const DEFAULT_MEMORY_STORE_MAX = 100_000;

/**
 * The default {@link AuthStore}: in this process only, bounded (LRU) so that a flood of distinct
 * clients or credentials cannot grow it without limit. For several instances, use `RedisAuthStore`.
 */
export class MemoryAuthStore implements AuthStore {
  private readonly slots: LRUCache<string, Slot>;
  private readonly listeners = new Set<InvalidationListener>();

  constructor(options: { readonly max?: number } = {}) {
    this.slots = new LRUCache<string, Slot>({ max: options.max ?? DEFAULT_MEMORY_STORE_MAX });
  }

  increment(key: string, windowMs: number): Promise<WindowCount> {
    const now = Date.now();
    let slot = this.live(key, now);
    if (!slot) {
      slot = { value: '', count: 0, endsAt: now + windowMs };
      this.slots.set(key, slot);
    }
    slot.count++;
    return Promise.resolve({ count: slot.count, resetInMs: slot.endsAt - now });
  }

  count(key: string): Promise<WindowCount> {
    const now = Date.now();
    const slot = this.live(key, now);
    return Promise.resolve({ count: slot?.count ?? 0, resetInMs: slot ? slot.endsAt - now : 0 });
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.slots.set(key, { value, count: 0, endsAt: Date.now() + ttlMs });
    return Promise.resolve();
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.live(key, Date.now())?.value);
  }

  take(key: string): Promise<string | undefined> {
    const value = this.live(key, Date.now())?.value;
    this.slots.delete(key);
    return Promise.resolve(value);
  }

  delete(key: string): Promise<void> {
    this.slots.delete(key);
    return Promise.resolve();
  }

  publishInvalidation(principalId: string): Promise<void> {
    for (const listener of this.listeners) listener(principalId);
    return Promise.resolve();
  }

  onInvalidation(listener: InvalidationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private live(key: string, now: number): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot && slot.endsAt <= now) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }
}
