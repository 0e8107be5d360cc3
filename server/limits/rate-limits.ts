/**
 * The rate-limit policy: which budget an action spends from, per user and per socket,
 * and the `ERR_RATE_LIMITED` answer (with the time to wait) once one is spent.
 */
import type { RateLimitRule, RateLimitsConfig } from '../../src/core/wire/config.js';
import { ChatFilesError } from '../errors.js';
import type { Limiter, LimiterBackend } from './limiter.js';

/** The budgets of {@link RateLimitsConfig}. */
export type RateLimitName = Exclude<keyof RateLimitsConfig, 'enabled' | 'probe_interval_seconds'>;

/** Who spends: a user, and when the action came over a socket, that socket. */
export interface Spender {
  /** The user (or, for server-to-server traffic, a peer origin). */
  user: string;
  /** The socket id, when the action came over a socket. */
  socketId?: string;
}

const NAMES: readonly RateLimitName[] = [
  'share',
  'message',
  'probe',
  'signal',
  'request_peers',
  'relay_request',
  'upload',
  'events',
];

const windowMs = (rule: RateLimitRule) => rule.window_seconds * 1000;

/** Every budget of one server, made once from the config and a limiter backend. */
export class RateLimits {
  private readonly perUser = new Map<RateLimitName, Limiter>();
  private readonly perSocket = new Map<RateLimitName, Limiter>();
  private readonly probes: Limiter;

  constructor(
    private readonly config: RateLimitsConfig,
    backend: LimiterBackend,
  ) {
    for (const name of NAMES) {
      const rule = config[name];
      this.perUser.set(
        name,
        backend.create(`${name}:user`, { points: rule.per_user, windowMs: windowMs(rule) }),
      );
      this.perSocket.set(
        name,
        backend.create(`${name}:socket`, { points: rule.per_socket, windowMs: windowMs(rule) }),
      );
    }
    this.probes = backend.create('probe-fanout', {
      points: 1,
      windowMs: config.probe_interval_seconds * 1000,
    });
  }

  /** Spends one action of `name`; throws `ERR_RATE_LIMITED` with the wait when over budget. */
  async spend(name: RateLimitName, who: Spender): Promise<void> {
    if (!this.config.enabled) return;
    const checks = [this.perUser.get(name)!.consume(who.user)];
    if (who.socketId !== undefined) checks.push(this.perSocket.get(name)!.consume(who.socketId));
    const refused = (await Promise.all(checks)).filter((d) => !d.allowed);
    if (refused.length === 0) return;
    const retryAfterMs = Math.max(...refused.map((d) => d.retryAfterMs), 1);
    throw new ChatFilesError(
      'ERR_RATE_LIMITED',
      `Too many ${name.replace('_', ' ')} requests; try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
      { retryAfterMs },
    );
  }

  /**
   * True the first time `user` probes `fileId` within `probe_interval_seconds`: only then
   * is the probe passed on to the room (repeats get the seed registry's answer only).
   */
  async firstProbe(user: string, fileId: string): Promise<boolean> {
    if (!this.config.enabled) return true;
    const decision = await this.probes.consume(`${user} ${fileId}`);
    return decision.allowed;
  }
}
