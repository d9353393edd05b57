/**
 * SMS through an operator-run webhook (`sms.webhook_url`): Recourse POSTs `{to, text, reference}` as
 * JSON and the receiver talks to the SMS provider. The URL may carry a secret, so it never appears
 * in an error.
 */
import { request } from 'undici';
import { failure, type SendResult, type SmsTransport } from './message.js';
import { isE164 } from '../core/phone.js';

export interface SmsWebhookOptions {
  url: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createSmsWebhookTransport(options: SmsWebhookOptions): SmsTransport {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('sms.webhook_url: expected http:// or https://');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return {
    async send(m) {
      if (!isE164(m.to)) return failure(false, 'invalid phone number (expected +E.164)');
      try {
        const res = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ to: m.to, text: m.text, reference: m.reference }),
          // One deadline for the whole exchange, so a receiver that trickles bytes cannot stall the worker.
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (res.statusCode >= 200 && res.statusCode < 300) {
          await res.body.dump();
          return { ok: true, channel: 'sms', detail: `HTTP ${res.statusCode}` };
        }
        const snippet = (await res.body.text().catch(() => '')).slice(0, 200);
        return classifyStatus(res.statusCode, snippet);
      } catch (err) {
        const timedOut = err instanceof Error && err.name === 'TimeoutError';
        const reason = timedOut ? `timed out after ${timeoutMs}ms` : err instanceof Error ? err.message : String(err);
        return failure(true, `SMS webhook unreachable: ${reason}`);
      }
    },
  };
}

/** 5xx, 429 (too many requests) and 408 (request timeout) may pass later; another 4xx or a 3xx will not. */
export function classifyStatus(status: number, body: string): SendResult {
  const retryable = status >= 500 || status === 429 || status === 408;
  return failure(retryable, `SMS webhook answered HTTP ${status}${body ? `: ${body.trim()}` : ''}`);
}
