// Chromium's own WebSocket through the gateway (issue 25): the page signs in through the form,
// opens a socket to the app, trades a text and a binary message (with the subprotocol the app
// chose and permessage-deflate), and sees the socket closed within 5 s of signing out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { hasChromium, launchChromium, openPage, signInThroughForm } from '../support/browser.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startWebSocketUpstream, type WebSocketUpstream } from '../support/ws-upstream.js';

const P = '/.recourse';

describe.skipIf(!hasChromium)("Chromium's WebSocket through the gateway", () => {
  const dana = { email: 'dana@example.com', password: 'correct horse battery' };
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let upstream: WebSocketUpstream;
  let gw: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    storage = await openTestStorage();
    upstream = await startWebSocketUpstream();
    gw = await startTestGateway({ storage, upstream: upstream.url });
    await gw.addUser({ ...dana, name: 'Dana' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await upstream?.close();
    await storage?.close();
  });

  it('echoes both ways, then closes within 5 s of signing out', async () => {
    const page = await openPage(browser);
    await signInThroughForm(page, `${gw.url}/app`, dana, '/app');
    const seen = await page.evaluate(async () => {
      const socket = new WebSocket(`ws://${location.host}/live`, ['v1.chat', 'v2.chat']);
      socket.binaryType = 'arraybuffer';
      const next = () => new Promise<unknown>((resolve) => socket.addEventListener('message', (event) => resolve(event.data), { once: true }));
      await new Promise((resolve, reject) => {
        socket.addEventListener('open', resolve, { once: true });
        socket.addEventListener('error', reject, { once: true });
      });
      socket.send('hello from Chromium');
      const text = await next();
      socket.send(new Uint8Array([1, 2, 255]));
      const bytes = [...new Uint8Array(await next() as ArrayBuffer)];
      (window as unknown as { liveSocket: WebSocket }).liveSocket = socket;
      return { protocol: socket.protocol, extensions: socket.extensions, text, bytes };
    });
    expect(seen).toEqual({ protocol: 'v2.chat', extensions: expect.stringContaining('permessage-deflate'), text: 'hello from Chromium', bytes: [1, 2, 255] });
    expect(upstream.handshakes.at(-1)!.headers.origin).toBe(gw.url);

    const closed = page.evaluate(() => new Promise<number>((resolve) => {
      const socket = (window as unknown as { liveSocket: WebSocket }).liveSocket;
      if (socket.readyState === WebSocket.CLOSED) resolve(0);
      const started = performance.now();
      socket.addEventListener('close', () => resolve(performance.now() - started), { once: true });
    }));
    // Signing out from the page itself, as its sign-out button would.
    await page.evaluate(async (prefix) => {
      const html = await (await fetch(`${prefix}/account`)).text();
      const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
      await fetch(`${prefix}/logout`, { method: 'POST', body: new URLSearchParams({ _csrf: token }) });
    }, P);
    expect(await closed).toBeLessThan(5_000);
  });
});
