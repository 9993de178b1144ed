// Opens the Muse chat page in headless chromium, asks a question in Contemplating mode, waits for the agents'
// cards and the final answer, takes a screenshot, reloads and checks the conversation is still there.
// Usage: node ui-test.mjs <server url> <screenshot.png>   (CHROMIUM=/path/to/chromium, default /usr/bin/chromium)
import { chromium } from 'playwright-core';

const [url, shot] = process.argv.slice(2);
if (!url || !shot) {
  console.error('usage: node ui-test.mjs <server url> <screenshot.png>');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector('#server-info').textContent.includes('backends'));
  await page.selectOption('#mode', 'contemplating');
  await page.fill('#agents', '3');
  await page.fill('#input', 'What is 6 times 7?');
  // attach an image through the file picker (a 1x1 PNG)
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  await page.setInputFiles('#file', { name: 'pixel.png', mimeType: 'image/png', buffer: png });
  await page.waitForSelector('#attachments img');
  await page.click('#send');
  await page.waitForSelector('.msg.user img.thumb');
  await page.waitForSelector('.agent-card', { timeout: 30000 });
  await page.waitForFunction(() => {
    const a = document.querySelector('.final-answer');
    const s = document.querySelector('.msg.assistant .stats');
    return a && a.textContent.includes('42') && s && s.textContent.includes('tokens');
  }, null, { timeout: 60000 });
  const result = await page.evaluate(() => ({
    cards: document.querySelectorAll('.agent-card').length,
    answer: document.querySelector('.final-answer').textContent,
    stats: document.querySelector('.msg.assistant .stats').textContent,
    consensus: !document.querySelector('.consensus').hidden,
    agreedLabel: document.querySelector('.final-label').textContent,
  }));
  await page.screenshot({ path: shot, fullPage: true });
  await page.reload();
  await page.waitForSelector('#conversations li', { timeout: 10000 });
  await page.click('#conversations li');
  await page.waitForFunction(() => document.querySelectorAll('.msg').length >= 2, null, { timeout: 10000 });
  result.afterReload = await page.evaluate(() => document.querySelector('.final-answer').textContent);
  // stop: a long Instant answer is cancelled by the stop button
  await page.selectOption('#mode', 'instant');
  await page.fill('#input', 'Tell me a long story');
  await page.click('#send');
  await page.waitForFunction(() => {
    const answers = document.querySelectorAll('.final-answer');
    return answers.length >= 2 && answers[answers.length - 1].textContent.length > 20;
  }, null, { timeout: 30000 });
  await page.click('#stop');
  await page.waitForFunction(() => [...document.querySelectorAll('.notice')].some((n) => n.textContent.includes('Stopped')), null, { timeout: 10000 });
  result.stopped = await page.evaluate(() => !document.querySelector('#send').hidden);
  result.errors = errors;
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
