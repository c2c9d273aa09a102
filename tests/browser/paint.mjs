// The board's first paint in Chromium, for `cargo bench --bench board`: the time from asking
// for the page until the first card is drawn, and the browser's own first-contentful-paint.
//   DOCKET_BOARD_URL  the board URL with its token;  CHROMIUM  the browser (/usr/bin/chromium)
import { chromium } from 'playwright-core';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const times = [];
let fcp = null;
let cards = 0;
for (let run = 0; run < 3; run++) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const began = Date.now();
  await page.goto(process.env.DOCKET_BOARD_URL);
  await page.waitForSelector('#board .card');
  times.push(Date.now() - began);
  fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
  cards = await page.locator('#board .card').count();
  await page.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(`first card drawn ${times[1]} ms after the request (median of 3; ${cards} cards on the page), first contentful paint ${Math.round(fcp)} ms`);
