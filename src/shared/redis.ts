import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis as the replicas' accelerator, never their single point of failure: every command
 * has a short timeout and is never queued while disconnected, so a Redis that is down or
 * slow costs a replica a few milliseconds and a fallback to its own data, cache and limits.
 * Whether Redis answers is tracked (a gauge, and one log line per change of state).
 */

export interface SharedRedisOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
  readonly url: string;
  /** Used when the URL names none (a mounted secret). */
  readonly password?: string;
  /** Every key starts with it: `vpce-doctor:` by default. */
  readonly prefix?: string;
  /** How long one command may take before the replica goes on without Redis. */
  readonly commandTimeoutMs?: number;
  /** Told when Redis starts or stops answering (log once per change, set the gauge). */
  readonly onStateChange?: (up: boolean, reason?: string) => void;
}

export const SHARED_REDIS_DEFAULTS = { prefix: 'vpce-doctor:', commandTimeoutMs: 250 } as const;

/** What the shared pieces need of a Redis: its client, the key prefix, and whether it answers. */
export class SharedRedis {
  readonly client: Redis;
  readonly prefix: string;
  private up = false;
  private readonly firstConnection: Promise<void>;
  private readonly onStateChange: ((up: boolean, reason?: string) => void) | undefined;

  constructor(options: SharedRedisOptions) {
    this.prefix = options.prefix ?? SHARED_REDIS_DEFAULTS.prefix;
    this.onStateChange = options.onStateChange;
    const settings: RedisOptions = {
      commandTimeout: options.commandTimeoutMs ?? SHARED_REDIS_DEFAULTS.commandTimeoutMs,
      // A command while disconnected fails at once instead of waiting in a queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      // Reconnect for ever, backing off to 2 s: shared mode resumes when Redis is back.
      retryStrategy: (times) => Math.min(times * 100, 2000),
      lazyConnect: false,
      ...(options.password !== undefined ? { password: options.password } : {}),
    };
    this.client = new Redis(options.url, settings);
    const timeoutMs = settings.connectTimeout!;
    // The first commands of a starting replica wait for the first handshake (a connect timeout at most), not fail for want of it.
    this.firstConnection = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', done);
      this.client.once('error', done);
    });
    this.client.on('ready', () => this.mark(true));
    this.client.on('end', () => this.mark(false, 'connection ended'));
    this.client.on('close', () => this.mark(false, 'connection closed'));
    // ioredis emits errors on every failed reconnect; the state change is what is told.
    this.client.on('error', (error: Error) => this.mark(false, error.message));
  }

  /** Resolves when the first connection is made or has failed (a connect timeout at most): a starting replica waits for it before serving. */
  async ready(): Promise<boolean> {
    await this.firstConnection;
    return this.client.status === 'ready';
  }

  /** Whether Redis answered last. */
  isUp(): boolean {
    return this.up;
  }

  key(...parts: readonly string[]): string {
    return `${this.prefix}${parts.join(':')}`;
  }

  /** Runs a command; on any failure (down, slow, refused) says so and gives undefined, never throws. */
  async attempt<T>(command: (client: Redis) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
    try {
      await this.firstConnection;
      const value = await command(this.client);
      this.mark(true);
      return { ok: true, value };
    } catch (error) {
      const reason = (error as Error).message;
      this.mark(false, reason);
      return { ok: false, reason };
    }
  }

  private mark(up: boolean, reason?: string): void {
    if (up === this.up) return;
    this.up = up;
    this.onStateChange?.(up, reason);
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
