// What the end-to-end tests share about driving the workbench in Chromium.
import { chromium } from 'playwright-core';
import { startCodeServer } from '../integration/codeServer.mjs';
import { CHROMIUM_ARGS, workbenchUrl } from '../integration/runInCodeServer.mjs';

/**
 * A code-server, headless Chromium and a page showing its workbench with a folder open (the
 * test fixtures unless told), settled, with the secondary side bar (chat) closed so the editor
 * has the room. `close()` ends both.
 */
export async function openWorkbench({ folder, width = 1500, height = 1000, closeSecondarySideBar = true } = {}) {
  const cs = await startCodeServer();
  const browser = await chromium.launch({ executablePath: process.env.TCPX_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
  await page.goto(workbenchUrl(cs.url, folder ? { folder } : {}));
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.waitForTimeout(5000);
  if (closeSecondarySideBar) await pickFromQuickInput(page, 'F1', 'View: Close Secondary Side Bar', 500).catch(() => page.keyboard.press('Escape'));
  return {
    cs,
    browser,
    page,
    async close() {
      await browser.close();
      cs.stop();
    },
  };
}

/** The capture editor's page inside its webview frames. */
export const captureWebview = (page) =>
  page.frameLocator('iframe.webview.ready[src*="extensionId=tcp-explainer.tcp-explainer"]').frameLocator('#active-frame');

/**
 * Types into Quick Open (Control+P) or the command palette (F1) and takes the first match. The
 * quick input sometimes opens with its list still hidden (after a save, a theme change): close
 * it and ask again, as a person would. Enter waits for the row in front to name `text` (its
 * words, in order, as the quick input's own matching finds them): on a busy machine the
 * palette first lists recently used commands and typing reaches the filter later, so Enter could
 * run the command used before (it once ran "Close All Editors" again, not "Explain TCP
 * connection").
 */
export async function pickFromQuickInput(page, key, text, settle = 1000) {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  const names = (row) => {
    if (row === null) return false;
    let at = 0;
    for (const w of words) {
      const i = row.toLowerCase().indexOf(w, at);
      if (i < 0) return false;
      at = i + w.length;
    }
    return true;
  };
  const frontRow = () =>
    page.evaluate(() => {
      const row = document.querySelector('.quick-input-list .monaco-list-row.focused') ?? document.querySelector('.quick-input-list .monaco-list-row');
      return row ? `${row.getAttribute('aria-label') ?? ''} ${row.textContent ?? ''}` : null;
    });
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press(key);
    await page.keyboard.type(text);
    const deadline = Date.now() + (attempt < 3 ? 8000 : 30000);
    let row = null;
    while (Date.now() < deadline) {
      row = await frontRow();
      if (names(row)) break;
      await page.waitForTimeout(200);
    }
    if (names(row)) break;
    if (attempt >= 3) throw new Error(`the quick input never put a row naming "${text}" in front (last: ${JSON.stringify(row)})`);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(500);
  }
  await page.waitForTimeout(settle);
  await page.keyboard.press('Enter');
}

/** Picks a colour theme from the palette, as a person would. */
export async function colorTheme(page, name) {
  await pickFromQuickInput(page, 'F1', 'Preferences: Color Theme', 500);
  await page.waitForTimeout(800);
  await page.keyboard.type(name);
  await page.waitForTimeout(800);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1500);
}

/**
 * Replaces the user settings with these, through the settings editor a person would use. The
 * theme picker sometimes opens with its list hidden and swallows the typed name; the settings
 * file does not.
 */
export async function userSettings(page, settings) {
  await pickFromQuickInput(page, 'F1', 'Preferences: Open User Settings (JSON)', 500);
  await page.waitForTimeout(1500);
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(JSON.stringify(settings));
  await page.keyboard.press('Control+S');
  await page.waitForTimeout(1000);
}

/** A failed step leaves a picture of what the screen showed, named after the test. */
export async function screenshotOnFailure(page, test, shots) {
  if (test?.state === 'failed' && page) {
    await page.screenshot({ path: `${shots}/failed-${test.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png` }).catch(() => undefined);
  }
}
