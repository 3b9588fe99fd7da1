// Opens a report page the way its tests need: in the system's Chromium, with every request but the page
// itself recorded and refused, so that a test can prove the page is self-contained.
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export interface OfflinePage {
  readonly page: Page;
  /** URLs the page tried to fetch besides itself: empty for a self-contained page. */
  readonly requests: readonly string[];
}

export async function openOffline(browser: Browser, file: string): Promise<OfflinePage> {
  const requests: string[] = [];
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const url = pathToFileURL(file).href;
  await page.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  await page.goto(url);
  return { page, requests };
}
