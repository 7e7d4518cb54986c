import { setMaxListeners } from 'node:events';
import pLimit, { type LimitFunction } from 'p-limit';
import { COLLECTIONS } from '../../core/collections.js';
import type { CollectionName } from '../../core/model.js';
import { CollectionDeadlineError, describeFailure, type FailureLimits } from './errors.js';

/**
 * How one collection talks to AWS: a bound on calls in flight (AWS throttling is shared by
 * everything in the account), a deadline that ends every call still running, and each
 * failure turned into the reason the model gives for the collection it leaves missing.
 */

/** A call failed: `reason` is what the model's `failures` says for `collection`. */
export class AwsCallError extends Error {
  constructor(
    readonly collection: CollectionName,
    readonly reason: string,
    options: { cause: unknown },
  ) {
    super(reason, options);
    this.name = 'AwsCallError';
  }
}

/** The options every SDK `send` of this collection gets: the deadline's signal. */
export interface SendOptions {
  readonly abortSignal: AbortSignal;
}

export interface AwsCallerOptions extends FailureLimits {
  readonly maxConcurrentCalls: number;
}

/**
 * Rejects with the signal's reason once it aborts, whether or not the call heeds the signal.
 * The call's own outcome is always handled: a call that fails after the deadline (or was
 * already failing when it passed) must never surface as an unhandled rejection.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

export class AwsCaller {
  private readonly limit: LimitFunction;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  readonly sendOptions: SendOptions;

  constructor(private readonly options: AwsCallerOptions) {
    this.limit = pLimit(options.maxConcurrentCalls);
    this.sendOptions = { abortSignal: this.controller.signal };
    // Every call in flight listens for the deadline (this race, the SDK's retry and HTTP
    // handler), and there are as many of those as calls; the signal dies with the collection.
    setMaxListeners(0, this.controller.signal);
    // Not unref'd: close() always clears it, and until then the collection is what the process waits for.
    this.timer = setTimeout(() => this.controller.abort(new CollectionDeadlineError(options.deadlineMs)), options.deadlineMs);
  }

  /** Calls in flight at once, at most. */
  get maxConcurrentCalls(): number {
    return this.options.maxConcurrentCalls;
  }

  /** How long the whole collection may take. */
  get deadlineMs(): number {
    return this.options.deadlineMs;
  }

  /** Ends the deadline's timer, and any call still running: the collection no longer waits for it. */
  close(): void {
    clearTimeout(this.timer);
    if (!this.controller.signal.aborted) this.controller.abort(new Error('the collection has ended'));
  }

  /**
   * Runs one call (or one paginated listing: its pages follow one another, so it holds one
   * slot throughout) for `collection`; any failure becomes an `AwsCallError` with the reason.
   */
  run<T>(collection: CollectionName, call: () => Promise<T>): Promise<T> {
    const signal = this.controller.signal;
    // A call whose turn comes after the deadline is never started.
    return this.limit(() => (signal.aborted ? Promise.reject(signal.reason as Error) : untilAborted(call(), signal))).catch((error: unknown) => {
      throw new AwsCallError(collection, describeFailure(COLLECTIONS[collection].iamAction, error, this.options), { cause: error });
    });
  }

  /** Every item of every page, in AWS's order. */
  list<Page, Item>(
    collection: CollectionName,
    pages: (options: SendOptions) => AsyncIterable<Page>,
    items: (page: Page) => readonly Item[] | undefined,
  ): Promise<Item[]> {
    return this.run(collection, async () => {
      const all: Item[] = [];
      for await (const page of pages(this.sendOptions)) all.push(...(items(page) ?? []));
      return all;
    });
  }
}
