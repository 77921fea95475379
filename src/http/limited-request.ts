import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * One request inside a rate-limit slot. The slot is released at the response headers (or the
 * failure): by then the server has counted the request, so the limiter's window starts there.
 */
export async function limitedRequest(
  client: HttpClient,
  limiter: RateLimiter,
  url: URL,
  req: HttpRequest,
): Promise<HttpResponse> {
  const slot = await limiter.acquireSlot(req.signal);
  try {
    return await client.request(url, req);
  } finally {
    slot.release();
  }
}
