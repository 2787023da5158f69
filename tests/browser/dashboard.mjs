// Browser tests of the dashboard in Debian's Chromium (driven by playwright-core, no browser download).
// Started by crates/kaamgar/tests/browser.rs, which serves a prepared database and passes:
//   KAAMGAR_BASE (the server), KAAMGAR_PASSWORD (every test account's), KAAMGAR_SHOTS (folder for screenshots).
// Accounts: admin (district_admin, Saran), ravi (block_officer, Marhaura).
import { chromium } from 'playwright-core';
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

const BASE = process.env.KAAMGAR_BASE;
const PASSWORD = process.env.KAAMGAR_PASSWORD;
const SHOTS = process.env.KAAMGAR_SHOTS;
mkdirSync(SHOTS, { recursive: true });

const executablePath = execSync('command -v chromium', { shell: '/bin/sh' }).toString().trim();
const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 900 };
let failures = 0;

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failures += 1;
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}

async function signIn(viewport, name) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const res = await page.goto(`${BASE}/`);
  assert.equal(res.status(), 200);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/`), page.click('#sign-in')]);
  return { context, page };
}

await check('sign-in page and overview fit a 360-px phone', async () => {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await page.goto(`${BASE}/`);
  await page.screenshot({ path: `${SHOTS}/phone-signin.png`, fullPage: true });
  await page.fill('input[name=name]', 'admin');
  await page.fill('input[name=password]', 'not the password');
  await page.click('#sign-in');
  assert.match(await page.textContent('#notice'), /गलत|Wrong/);
  await page.fill('input[name=name]', 'admin');
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/`), page.click('#sign-in')]);
  await page.waitForSelector('#kpi-workers');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow} px wider than the phone`);
  assert.ok(await page.isVisible('svg.map.only-narrow-map'), 'the phone\'s map is drawn');
  await page.screenshot({ path: `${SHOTS}/phone-overview.png`, fullPage: true });
  for (const path of ['/workers', '/requests', '/uploads']) {
    await page.goto(`${BASE}${path}`);
    const o = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(o <= 1, `${path} is ${o} px wider than the phone`);
    await page.screenshot({ path: `${SHOTS}/phone${path.replace('/', '-')}.png`, fullPage: true });
  }
  await context.close();
});

await check('the overview weighs less than 200 kB and shows charts and the map', async () => {
  const { context, page } = await signIn(DESKTOP, 'admin');
  let bytes = 0;
  page.on('response', async (r) => {
    try {
      bytes += (await r.body()).length;
    } catch {
      /* redirects have no body */
    }
  });
  await page.goto(`${BASE}/`);
  await page.waitForLoadState('networkidle');
  assert.ok(bytes > 0 && bytes < 200_000, `overview weighs ${bytes} bytes`);
  console.log(`     overview page weight: ${bytes} bytes`);
  assert.equal(await page.locator('svg.chart').count(), 8, 'each chart in a desktop and a phone layout');
  assert.ok((await page.locator('svg.map.only-wide-map circle.blk').count()) >= 10, 'a circle per block');
  await page.screenshot({ path: `${SHOTS}/desktop-overview.png`, fullPage: true });
  await context.close();
});

await check('workers are filtered by trade and block, and the list says so', async () => {
  const { context, page } = await signIn(DESKTOP, 'admin');
  await page.goto(`${BASE}/workers`);
  const all = Number((await page.textContent('#total')).replace(/,/g, ''));
  await page.selectOption('select[name=trade]', 'plumber');
  await page.selectOption('select[name=block]', 'Marhaura');
  await Promise.all([page.waitForURL(/trade=plumber/), page.click('#apply')]);
  const some = Number((await page.textContent('#total')).replace(/,/g, ''));
  assert.ok(some > 0 && some < all, `${some} of ${all}`);
  const places = await page.locator('#workers tbody td:nth-child(3)').allTextContents();
  assert.ok(places.length > 0 && places.every((p) => /Marhaura|मढ़ौरा/.test(p)), places.join(' | '));
  assert.equal(await page.inputValue('select[name=trade]'), 'plumber', 'the filter stays chosen');
  await page.screenshot({ path: `${SHOTS}/desktop-workers-filtered.png`, fullPage: true });
  await page.fill('input[name=q]', '<script>');
  await page.click('#apply');
  assert.equal(await page.locator('#workers a', { hasText: '<script>alert(1)</script>' }).count(), 1,
    'a script in a name shows as text');
  await context.close();
});

await check('the language switch changes every text and is remembered', async () => {
  const { context, page } = await signIn(DESKTOP, 'admin');
  assert.equal(await page.getAttribute('html', 'lang'), 'hi');
  await page.goto(`${BASE}/workers`);
  await Promise.all([page.waitForURL(`${BASE}/workers`), page.click('#lang-switch')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1'), /Workers/);
  await page.goto(`${BASE}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.screenshot({ path: `${SHOTS}/desktop-overview-en.png`, fullPage: true });
  await context.close();
  // A new browser: the account remembers English.
  const again = await signIn(DESKTOP, 'admin');
  assert.equal(await again.page.getAttribute('html', 'lang'), 'en');
  await again.page.click('#lang-switch');
  await again.page.waitForLoadState();
  assert.equal(await again.page.getAttribute('html', 'lang'), 'hi');
  await again.context.close();
});

await check("a block officer cannot open another block's worker, also by editing the URL", async () => {
  const admin = await signIn(DESKTOP, 'admin');
  await admin.page.goto(`${BASE}/workers?block=Sonepur`);
  const href = await admin.page.getAttribute('#workers tbody a', 'href');
  assert.match(href, /^\/workers\/\d+$/);
  await admin.context.close();

  const { context, page } = await signIn(DESKTOP, 'ravi');
  await page.goto(`${BASE}/workers`);
  const places = await page.locator('#workers tbody td:nth-child(3)').allTextContents();
  assert.ok(places.every((p) => /Marhaura|मढ़ौरा/.test(p)), 'only Marhaura in the list');
  const res = await page.goto(`${BASE}${href}`);
  assert.equal(res.status(), 403);
  assert.match(await page.textContent('body'), /अनुमति नहीं|do not have access/);
  const edit = await page.goto(`${BASE}${href}/edit`);
  assert.equal(edit.status(), 403);
  await page.screenshot({ path: `${SHOTS}/desktop-forbidden.png`, fullPage: true });
  await context.close();
});

await check('an upload shows its progress, its summary and a report of the rejected rows', async () => {
  const { context, page } = await signIn(DESKTOP, 'ravi');
  await page.goto(`${BASE}/uploads`);
  const list = [
    'क्रम,नाम,मोबाइल,कौशल,प्रखंड,जिला',
    '1,सरिता देवी,9833300001,दर्जी,Marhaura,Saran',
    '2,गलत नंबर,12345,plumber,Marhaura,Saran',
    '3,बाहर का,9833300003,plumber,Sonepur,Saran',
  ].join('\n');
  await page.setInputFiles('input[name=file]', {
    name: 'marhaura.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(list),
  });
  await Promise.all([page.waitForURL(/\/uploads\/\d+$/), page.click('#upload')]);
  await page.waitForSelector('#upload-summary', { timeout: 20_000 });
  assert.equal((await page.textContent('#rejected-count')).trim(), '2');
  await page.screenshot({ path: `${SHOTS}/desktop-upload-done.png`, fullPage: true });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report')]);
  const report = readFileSync(await download.path(), 'utf8');
  assert.match(report, /phone/);
  assert.match(report, /outside_jurisdiction/);
  await page.goto(`${BASE}/uploads`);
  await page.setInputFiles('input[name=file]', {
    name: 'photo.png',
    mimeType: 'image/png',
    buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
  });
  await page.click('#upload');
  assert.match(await page.textContent('#upload-error'), /स्प्रेडशीट|spreadsheet/);
  await context.close();
});

await check('requests are listed and one opens with its offers', async () => {
  const { context, page } = await signIn(DESKTOP, 'admin');
  await page.goto(`${BASE}/requests`);
  assert.ok(await page.isVisible('#requests tbody a'), 'requests are listed');
  // An accepted request always has its offers (a request that found nobody has none to show).
  await page.goto(`${BASE}/requests?status=accepted`);
  const first = page.locator('#requests tbody a').first();
  await Promise.all([page.waitForURL(/\/requests\/\d+$/), first.click()]);
  assert.ok(await page.isVisible('#offers'));
  assert.doesNotMatch(await page.textContent('main'), /\d{10}/, 'no full phone number');
  await page.screenshot({ path: `${SHOTS}/desktop-request.png`, fullPage: true });
  await context.close();
});

await check("a worker's profile shows their leads and jobs on a phone and a desktop", async () => {
  for (const [size, name] of [[PHONE, 'phone'], [DESKTOP, 'desktop']]) {
    const { context, page } = await signIn(size, 'admin');
    await page.goto(`${BASE}/requests?status=accepted`);
    await Promise.all([page.waitForURL(/\/requests\/\d+$/), page.locator('#requests tbody a').first().click()]);
    await Promise.all([page.waitForURL(/\/workers\/\d+$/), page.locator('#offers a').first().click()]);
    assert.ok(await page.isVisible('#history'), 'the history is shown');
    assert.ok(Number((await page.textContent('#leads')).replace(/\D/g, '')) >= 1, 'at least the lead we came from');
    assert.ok(await page.isVisible('#call'), 'the number is a link to call');
    const o = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(o <= 1, `the profile is ${o} px wider than the screen`);
    await page.screenshot({ path: `${SHOTS}/${name}-worker-history.png`, fullPage: true });
    await context.close();
  }
});

/** Every visible chart text's size in CSS pixels, and the map labels that overlap. */
async function chartTexts(page) {
  return page.evaluate(() => {
    const out = { small: [], overlaps: [], count: 0 };
    for (const svg of document.querySelectorAll('svg.chart')) {
      if (svg.getBoundingClientRect().width === 0) continue; // the other layout
      const scale = svg.getScreenCTM().a;
      const boxes = [];
      for (const t of svg.querySelectorAll('text')) {
        out.count += 1;
        const px = parseFloat(getComputedStyle(t).fontSize) * scale;
        if (px < 11.95) out.small.push(`${t.textContent}: ${px.toFixed(1)} px`);
        if (svg.classList.contains('map')) {
          const r = t.getBoundingClientRect();
          const w = t.getComputedTextLength() * scale;
          boxes.push([`${t.textContent} (${w.toFixed(0)}×${r.height.toFixed(0)} px at ${(parseFloat(getComputedStyle(t).fontSize) * scale).toFixed(0)} px, ${r.left.toFixed(0)},${r.top.toFixed(0)})`, r]);
        }
      }
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, ra] = boxes[i];
          const [b, rb] = boxes[j];
          const shrink = 1;
          if (ra.left + shrink < rb.right && rb.left + shrink < ra.right && ra.top + shrink < rb.bottom && rb.top + shrink < ra.bottom) {
            out.overlaps.push(`${a} / ${b}`);
          }
        }
      }
    }
    return out;
  });
}

await check('chart and map labels are 12 px or more and never overlap, on a phone and a desktop', async () => {
  for (const [size, name] of [[PHONE, 'phone'], [DESKTOP, 'desktop']]) {
    for (const who of ['admin', 'ravi']) {
      const { context, page } = await signIn(size, who);
      await page.goto(`${BASE}/`);
      const t = await chartTexts(page);
      assert.ok(t.count > 10, `${name} ${who}: ${t.count} labels`);
      assert.deepEqual(t.small, [], `${name} ${who}: labels under 12 px: ${t.small.join(', ')}`);
      assert.deepEqual(t.overlaps, [], `${name} ${who}: overlapping map labels: ${t.overlaps.join(', ')}`);
      const mapLabels = await page.locator('svg.map text').evaluateAll((ts) => ts.filter((x) => x.getBoundingClientRect().width > 0).length);
      assert.ok(mapLabels >= 3, `${name} ${who}: ${mapLabels} places named on the map`);
      await page.screenshot({ path: `${SHOTS}/${name}-overview-${who}.png`, fullPage: true });
      await context.close();
    }
  }
});

await check('requests are filtered, the waiting ones flagged, and an official closes one (phone and desktop)', async () => {
  for (const [size, name] of [[PHONE, 'phone'], [DESKTOP, 'desktop']]) {
    const { context, page } = await signIn(size, 'admin');
    await page.goto(`${BASE}/requests`);
    await page.selectOption('select[name=outcome]', 'unserved');
    await Promise.all([page.waitForURL(/outcome=unserved/), page.click('#apply')]);
    const statuses = await page.locator('#requests tbody td:nth-child(5)').allTextContents();
    assert.ok(statuses.length > 0, 'some requests found nobody');
    const o = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(o <= 1, `${name}: the request list is ${o} px wider than the screen`);
    await page.screenshot({ path: `${SHOTS}/${name}-requests-filtered.png`, fullPage: true });
    await page.goto(`${BASE}/requests?from=31/02/2026`);
    assert.ok(await page.isVisible('[role=alert]'), 'a date that does not exist is said');
    await context.close();
  }
  const { context, page } = await signIn(DESKTOP, 'admin');
  await page.goto(`${BASE}/requests?status=accepted`);
  await Promise.all([page.waitForURL(/\/requests\/\d+$/), page.locator('#requests tbody a').first().click()]);
  await page.selectOption('#close-form select[name=reason]', 'served_outside');
  await Promise.all([page.waitForURL(/done=closed/), page.click('#close')]);
  assert.ok(await page.isVisible('#done'));
  assert.ok(await page.isVisible('#note'), 'the reason is shown');
  await Promise.all([page.waitForLoadState(), page.click('#call')]);
  assert.match(await page.getAttribute('#call-link', 'href'), /^tel:\+91\d{10}$/);
  await page.screenshot({ path: `${SHOTS}/desktop-request-closed.png`, fullPage: true });
  await context.close();
});

await check('a block officer adds a worker on a phone and downloads the block list', async () => {
  const { context, page } = await signIn(PHONE, 'ravi');
  await page.goto(`${BASE}/workers`);
  await Promise.all([page.waitForURL(/\/workers\/new$/), page.click('#add-worker')]);
  await page.fill('input[name=name]', 'सुनीता देवी');
  await page.fill('input[name=phone]', '9822334455');
  await page.selectOption('select[name=trade]', 'tailor');
  await page.selectOption('select[name=block]', 'Marhaura');
  await page.selectOption('select[name=consent]', 'survey_form');
  await page.check('input[name=agreed]');
  await page.screenshot({ path: `${SHOTS}/phone-add-worker.png`, fullPage: true });
  await Promise.all([page.waitForURL(/done=added/), page.click('#save')]);
  assert.match(await page.textContent('h1'), /सुनीता देवी/);
  await page.goto(`${BASE}/workers`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.match(csv, /^\uFEFFक्रमांक,नाम,मोबाइल/);
  assert.ok(csv.includes('9822334455'), 'the new worker is in the download');
  assert.ok(!/Sonepur/.test(csv), 'only the officer\'s block');
  await context.close();
});

await check('the audit log reads in words and filters by action, on a phone', async () => {
  const { context, page } = await signIn(PHONE, 'admin');
  await page.goto(`${BASE}/audit`);
  await page.selectOption('select[name=action]', 'signin');
  await Promise.all([page.waitForURL(/action=signin/), page.click('#apply')]);
  const actions = await page.locator('#audit tbody td:nth-child(3)').allTextContents();
  assert.ok(actions.length > 0 && actions.every((a) => a === 'साइन इन किया'), actions.join(' | '));
  await page.screenshot({ path: `${SHOTS}/phone-audit.png`, fullPage: true });
  await context.close();
});

await check('signing out ends the session', async () => {
  const { context, page } = await signIn(PHONE, 'admin');
  await Promise.all([page.waitForURL(`${BASE}/`), page.click('#sign-out')]);
  await page.goto(`${BASE}/workers`);
  assert.ok(await page.isVisible('#sign-in'), 'back at the sign-in form');
  await context.close();
});

await browser.close();
if (failures > 0) {
  console.log(`${failures} browser check(s) failed`);
  process.exit(1);
}
console.log(`screenshots in ${SHOTS}`);
