// The status page at `/` in headless Chromium (run by status-page.sh, which starts campus-probe
// and the simulators): the counts on the page are /api/indicators' counts, a library that goes
// offline turns its indicators red without a reload and back green when it heals, the page is
// Chinese first and switches to English (and remembers it), and no secret reaches the page.
'use strict';
const { chromium } = require('playwright-core');
const path = require('path');

const BASE = process.env.BASE;
const HUIWEN = process.env.HUIWEN;
const INTERVAL_MS = Number(process.env.INTERVAL_MS || 3000);
const OUT = process.env.OUT;
const SECRETS = (process.env.SECRETS || '').split(' ').filter(Boolean);
const STATUSES = ['met', 'attested', 'failing', 'waived', 'unverified'];
// The library's indicators (library-opac and library-loans, both against the 汇文 simulator).
const LIBRARY = ['H-2.2.2.4', 'H-2.2.2.3'];

const started = Date.now();
let failures = 0;
function log(...args) { console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...args); }
function check(ok, what) {
  if (ok) { log('ok  ', what); return; }
  failures++;
  log('FAIL', what);
}
async function api(p) {
  const r = await fetch(BASE + p);
  if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`);
  return r.json();
}
async function control(body) {
  const r = await fetch(HUIWEN + '/__control', { method: 'POST', body: JSON.stringify(body),
                                                  headers: { 'Content-Type': 'application/json' } });
  if (!r.ok) throw new Error(`/__control: HTTP ${r.status}`);
}
async function until(what, fn, limitMs) {
  const end = Date.now() + limitMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
}

// The counts the page must show, from /api/indicators (unknown statuses count as unverified).
function expectedCounts(indicators) {
  const counts = {};
  const bump = (key) => { counts[key] = (counts[key] || 0) + 1; };
  for (const i of indicators) {
    const s = STATUSES.includes(i.status) ? i.status : 'unverified';
    bump(`${i.edition}|*|${s}`);
    bump(`${i.edition}|${i.dimension}|${s}`);
  }
  const editions = [...new Set(indicators.map((i) => i.edition))];
  const dimensions = [...new Set(indicators.map((i) => `${i.edition}|${i.dimension}`))];
  for (const e of editions) for (const s of STATUSES) counts[`${e}|*|${s}`] ??= 0;
  for (const d of dimensions) for (const s of STATUSES) counts[`${d}|${s}`] ??= 0;
  return counts;
}
async function pageCounts(page) {
  return page.$$eval('[data-count]', (nodes) => {
    const out = {};
    for (const n of nodes) out[n.getAttribute('data-count')] = Number(n.textContent);
    return out;
  });
}
const tileStatus = (page, id) =>
  page.$eval(`.tile[data-id="${id}"]`, (n) => n.getAttribute('data-status')).catch(() => null);

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
                                          args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'zh-CN',
                                               deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

    // Every check has run once, so the state is steady before the counts are compared.
    await until('every check to run', async () => {
      const checks = await api('/api/checks');
      return checks.every((c) => c.last) && checks.find((c) => c.id === 'library-opac').last.verdict === 'pass';
    }, 15000);
    await page.goto(BASE + '/');
    await page.waitForSelector('.tile[data-id="H-2.2.2.4"]');

    // The counts per edition and dimension are /api/indicators' counts.
    const same = await until('the page counts to equal /api/indicators', async () => {
      const want = expectedCounts(await api('/api/indicators'));
      const got = await pageCounts(page);
      const keys = Object.keys(want);
      return keys.every((k) => got[k] === want[k]) && Object.keys(got).length === keys.length
        ? { want, keys } : null;
    }, 8000);
    check(true, `page counts equal /api/indicators (${same.keys.length} counters)`);
    check(same.want['higher|*|met'] >= 1 && same.want['higher|*|failing'] >= 1,
          `higher: ${same.want['higher|*|met']} met, ${same.want['higher|*|failing']} failing`);
    const tiles = await page.$$eval('.tile', (n) => n.length);
    check(tiles === 61, `61 higher-edition tiles (${tiles})`);

    // Chinese first.
    const text = await page.evaluate(() => document.body.innerText);
    check(await page.evaluate(() => document.documentElement.lang) === 'zh-CN', 'html lang is zh-CN');
    for (const words of ['信息化标杆学校监测', '关键指标', '达标', '未验证', '学生能访问数字图书馆', '师生发展', '最近失败'])
      check(text.includes(words), `Chinese text present: ${words}`);
    for (const id of LIBRARY) check(await tileStatus(page, id) === 'met', `${id} starts met`);
    check(await tileStatus(page, 'H-4.1.3.2') === 'failing', 'H-4.1.3.2 (door controller refused) is failing');
    check(await tileStatus(page, 'H-3.5.1.1') === 'waived' && same.want['higher|*|waived'] === 1,
          'H-3.5.1.1 is waived, and counted so');
    check(await page.$$eval('.failure pre', (n) => n.some((p) => p.textContent.includes('127.0.0.1:1'))),
          'the door controller failure shows its step log');
    check(await page.$$eval('#checks svg.spark rect', (n) => n.length) >= 5, 'checks table has sparklines');

    // The library goes offline: its tiles turn red on their own.
    const refreshMs = Math.max(1000, Math.min(5000, INTERVAL_MS / 2));
    const allowed = INTERVAL_MS + refreshMs + 1500;
    const rendered = await page.evaluate(() => document.body.getAttribute('data-rendered'));
    await control({ offline: '503' });
    let t0 = Date.now();
    await until('library tiles to turn red', async () => {
      for (const id of LIBRARY) if (await tileStatus(page, id) !== 'failing') return false;
      return true;
    }, allowed + 3000);
    const red = Date.now() - t0;
    check(red <= allowed, `library tiles red ${red} ms after the outage (check interval ${INTERVAL_MS} ms + page refresh ${refreshMs} ms)`);
    check(await page.evaluate(() => document.body.getAttribute('data-rendered')) !== rendered, 'the page re-rendered without a reload');
    check(await page.evaluate(() => performance.getEntriesByType('navigation').length) === 1, 'no reload happened');
    await until('the library failure in the failures list', () =>
      page.$$eval('.failure b', (n) => n.some((b) => b.textContent.startsWith('library-'))), 5000);
    check(true, 'the library failure is listed with the latest failures');
    await page.screenshot({ path: path.join(OUT, 'status-page.png'), fullPage: true });
    log('screenshot:', path.join(OUT, 'status-page.png'));

    // A tile opens its detail panel: the check, its recent runs and the failing run's step log.
    await page.click('.tile[data-id="H-2.2.2.4"]');
    await page.waitForSelector('#detail:not([hidden]) .box[data-check="library-opac"]');
    await until('the detail panel to load the step log', () =>
      page.$$eval('#detail .failure pre', (n) => n.some((p) => p.textContent.includes('503'))), 5000);
    const detail = await page.$eval('#detail', (n) => n.innerText);
    check(detail.includes('学生能访问数字图书馆') && detail.includes('library-opac') && detail.includes('最近运行'),
          'detail panel shows the indicator, its check and recent runs');
    await until('the evidence log in the detail panel', () =>
      page.$$eval('#detail .evidence tr[data-seq]', (n) => n.some((r) => r.innerText.includes('library-opac'))), 5000);
    check(true, 'detail panel lists the evidence records of the indicator (seq and hash)');
    await page.$$eval('#detail details', (n) => { if (n[0]) n[0].open = true; });
    await page.screenshot({ path: path.join(OUT, 'status-page-detail.png') });
    await page.click('#close');

    // Healed: green again.
    await control({ reset: true });
    t0 = Date.now();
    await until('library tiles to turn green', async () => {
      for (const id of LIBRARY) if (await tileStatus(page, id) !== 'met') return false;
      return true;
    }, allowed + 3000);
    const green = Date.now() - t0;
    check(green <= allowed, `library tiles green again ${green} ms after healing`);

    // English, remembered across a reload; then back to Chinese.
    await page.click('#lang');
    let en = await page.evaluate(() => document.body.innerText);
    check(await page.evaluate(() => document.documentElement.lang) === 'en', 'html lang is en');
    for (const words of ['Key indicators', 'Latest failures', 'Met', 'Students can', 'Teacher and student development'])
      check(en.includes(words), `English text present: ${words}`);
    check(await page.evaluate(() => localStorage.getItem('campus-probe.lang')) === 'en', 'choice stored in localStorage');
    await page.reload();
    await page.waitForSelector('.tile');
    en = await page.evaluate(() => document.body.innerText);
    check(en.includes('Key indicators'), 'English remembered after a reload');
    await page.screenshot({ path: path.join(OUT, 'status-page-en.png') });
    await page.click('#lang');
    check((await page.evaluate(() => document.body.innerText)).includes('关键指标'), 'back to Chinese');

    // Statuses beyond today's four: "attested" (达标（人工确认）) has its own colour and count; a
    // status the page does not know counts as unverified, never as met.
    await page.route('**/api/indicators', async (route) => {
      const response = await route.fetch();
      const list = await response.json();
      for (const i of list) {
        if (i.id === 'H-1.1.1.1') {
          i.status = 'attested';
          // The shape /api/indicators gives an attestation in force.
          i.attestation = {
            id: 'talent-plan', statement: '培养方案已调整 <img src=x onerror=alert(1)>',
            owner: { name: '王芳', role: '教务处处长' }, approver: { name: '李明', role: '分管副校长' },
            document: { path: 'plan.md', ref: '校教〔2026〕15号', sha256: 'c30d09d0c594713343cd57c0b8339a84' },
            valid_from: '2026-09-01', expires: '2027-08-31', expiry_days: 275.4,
          };
        }
        if (i.id === 'H-1.1.1.2') i.status = 'some-future-status';
      }
      await route.fulfill({ response, json: list });
    });
    await until('the attested tile', async () => await tileStatus(page, 'H-1.1.1.1') === 'attested', 5000);
    const counts = await pageCounts(page);
    check(counts['higher|*|attested'] === 1 && counts['higher|师生发展|attested'] === 1, 'attested counted on its own');
    check(await tileStatus(page, 'H-1.1.1.2') === 'unverified' &&
          counts['higher|师生发展|unverified'] === same.want['higher|师生发展|unverified'] - 1,
          'an unknown status shows as unverified');
    const colours = await page.$$eval('.tile[data-id="H-1.1.1.1"], .tile[data-id="H-2.2.2.1"]',
                                      (n) => n.map((t) => getComputedStyle(t).backgroundImage + getComputedStyle(t).backgroundColor));
    check(colours[0] !== colours[1], 'attested has a colour of its own');
    await page.click('.tile[data-id="H-1.1.1.1"]');
    await page.waitForSelector('#detail:not([hidden]) .box.attest');
    check(await page.$eval('#detail .box.attest', (n) => n.innerText.includes('<img src=x onerror=alert(1)>') && !n.querySelector('img')),
          'target-provided text is shown as text, not HTML');
    check(await page.$eval('#detail .box.attest', (n) => n.innerText.includes('李明（分管副校长）') &&
                           n.innerText.includes('校教〔2026〕15号') && n.innerText.includes('c30d09d0c594')),
          'the attestation shows its approver, document and hash');
    await page.screenshot({ path: path.join(OUT, 'status-page-attested.png') });
    await page.click('#close');
    await page.unroute('**/api/indicators');

    // A phone.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
                                             isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const small = await phone.newPage();
    await small.goto(BASE + '/');
    await small.waitForSelector('.tile');
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, `no sideways scrolling on a 390 px phone (${overflow} px)`);
    await small.screenshot({ path: path.join(OUT, 'status-page-phone.png'), fullPage: true });
    await phone.close();

    // No secret anywhere the page or its API shows.
    const seen = [await page.content(), JSON.stringify(await api('/api/checks?history=true')),
                  JSON.stringify(await api('/api/failures?limit=100')), JSON.stringify(await api('/api/indicators'))];
    for (const secret of SECRETS) check(seen.every((s) => !s.includes(secret)), 'no secret in the page or the API');

    // The API additions the page relies on.
    const checks = await api('/api/checks?history=true');
    const opac = checks.find((c) => c.id === 'library-opac');
    check(Array.isArray(opac.history) && opac.history.length >= 3 && opac.history.length <= 20 &&
          opac.history.some((r) => r.verdict === 'fail') && opac.history.every((r) => typeof r.duration_ms === 'number' && r.time),
          `/api/checks?history=true gives recent runs in brief (${opac.history.length})`);
    check(!('history' in (await api('/api/checks'))[0]), '/api/checks without history=true is as before');
    const recent = await api('/api/failures?limit=3');
    check(recent.length === 3 && recent.every((f) => f.check && f.kind && 'step_log' in f), '/api/failures?limit=3');
    check((await fetch(BASE + '/api/failures?limit=x')).status === 400, '/api/failures refuses a bad limit');

    check(errors.length === 0, `no script errors (${errors.join('; ')})`);

    // The agent stops: the page says so and keeps showing what it had.
    process.kill(Number(process.env.AGENT_PID), 'SIGTERM');
    await until('the page to say the agent is unreachable', () =>
      page.$eval('#error', (n) => !n.hidden && n.textContent.includes('无法刷新')), 10000);
    check(await page.$$eval('.tile', (n) => n.length) === 61, 'the agent is gone: the page says so and keeps its tiles');
  } finally {
    await browser.close();
  }
}

main().then(() => {
  log('screenshots:', ['', '-detail', '-attested', '-en', '-phone'].map((s) => path.join(OUT, `status-page${s}.png`)).join(' '));
  log(failures ? `${failures} check(s) failed` : 'all checks passed');
  process.exit(failures ? 1 : 0);
}, (e) => {
  log('FAIL', e && e.stack ? e.stack : e);
  process.exit(1);
});
