/**
 * Express middleware that spends from a rate limit before a route does its work: per
 * user when the request is authenticated (the route itself still answers 401 when not),
 * per client address otherwise. Over the limit: 429 `ERR_RATE_LIMITED` with `Retry-After`.
 */
import type { RequestHandler } from 'express';
import { identify } from '../access.js';
import type { ServerContext } from '../context.js';
import { clientAddress } from '../shares/share-access.js';
import type { RateLimitName } from './rate-limits.js';

/** Spends one `name` action for the request's user before passing it on. */
export function rateLimitRoute(ctx: ServerContext, name: RateLimitName): RequestHandler {
  return (req, _res, next) => {
    if (!ctx.config.rate_limits.enabled) {
      next();
      return;
    }
    identify(ctx, req)
      .catch(() => null)
      .then((user) =>
        ctx.limits.spend(name, { user: user?.username ?? `ip:${clientAddress(req)}` }),
      )
      .then(() => next(), next);
  };
}
