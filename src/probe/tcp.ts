import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * One TCP connect, blackbox-exporter style: a function of (target, settings) with the
 * connector injected, so tests run it on loopback or against a connector that never
 * answers.
 */

import type { ProbeOutcome } from '../core/live.js';

export type { ProbeOutcome };

export interface ConnectAttempt {
  readonly outcome: ProbeOutcome;
  readonly latencyMs: number;
  /** The errno code of a failed connect (`ECONNREFUSED`, `EHOSTUNREACH`, …). */
  readonly errno?: string;
}

/** Opens a socket to an address; the default is node's net.connect. */
export type Connector = (address: string, port: number) => Socket;

export const netConnector: Connector = (address, port) => netConnect({ host: address, port, noDelay: true });

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);

function outcomeOf(errno: string | undefined): ProbeOutcome {
  if (errno === 'ECONNREFUSED') return 'refused';
  if (errno === 'ETIMEDOUT') return 'timeout';
  if (errno && UNREACHABLE.has(errno)) return 'unreachable';
  return 'error';
}

/** Connects once and closes at once; never rejects, always settles by `timeoutMs`. */
export function connectOnce(address: string, port: number, timeoutMs: number, connector: Connector = netConnector): Promise<ConnectAttempt> {
  return new Promise((resolve) => {
    const started = performance.now();
    let socket: Socket | undefined;
    let settled = false;
    const finish = (outcome: ProbeOutcome, errno?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve({ outcome, latencyMs: performance.now() - started, ...(errno ? { errno } : {}) });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    try {
      socket = connector(address, port);
    } catch (error) {
      finish('error', (error as NodeJS.ErrnoException).code ?? 'EINVAL');
      return;
    }
    socket.once('connect', () => finish('open'));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(outcomeOf(error.code), error.code));
  });
}
