import { expect, test } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectPageErrors, gotoHydrated, registerAndOnboard, snap } from './support';

// Website verification as a user meets it: import leads whose websites are real local sites
// (a live page, a slow one, a 404), a placeholder and a social profile; select all and
// "Verify websites"; watch the progress modal; close it and find the check again after a
// reload; then read the results page (counts, evidence, what to pitch) and save a segment.
// `.ci/test` lets the server reach loopback (LEADLOOM_VERIFY_ALLOW_NETS) for these sites.

const LIVE_PAGE = `<!doctype html><html><head><title>Amani Bakery – Fresh bread daily</title></head>
<body><h1>Amani Bakery</h1><p>Fresh bread, cakes and pastries baked every morning in Nairobi.
Order online or visit our shop on Moi Avenue.</p></body></html>`;

let site: http.Server;
let origin = '';

test.beforeAll(async () => {
  site = http.createServer((req, res) => {
    if (req.url?.startsWith('/slow')) {
      // Slow enough to see the modal at work and to reload the page meanwhile.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(LIVE_PAGE);
      }, 6_000);
    } else if (req.url?.startsWith('/gone')) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>Not Found</h1>');
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(LIVE_PAGE);
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => site.close(resolve));
});

test('verify websites, follow the progress, read the results', async ({ page }, testInfo) => {
  const project = testInfo.project.name;
  if (project === 'phone') {
    await page.setViewportSize({ width: 360, height: 780 });
  }
  const stamp = Date.now();
  const slug = `sites-${stamp.toString(36)}-${project}`;
  const pageErrors = collectPageErrors(page);
  await registerAndOnboard(page, {
    name: `Checker ${project}`,
    email: `checker-${stamp}-${project}@example.com`,
    password: `Loom-${stamp.toString(36)}-Sites!42`,
    workspace: `Sites ${project}`,
    slug,
  });

  const csv = [
    'name,phone,website',
    `Amani Bakery,+254722100001,${origin}/`,
    `Baraka Hardware,+254722100002,${origin}/gone`,
    `Chai Corner,+254722100003,${origin}/slow/1`,
    `Duka La Mama,+254722100004,${origin}/slow/2`,
    'Embe Salon,+254722100005,n/a',
    'Fundi Motors,+254722100006,https://www.facebook.com/fundimotors',
  ].join('\n');

  await test.step('import six leads', async () => {
    await gotoHydrated(page, `/w/${slug}/imports`);
    await page.locator('input[type="file"]').setInputFiles({
      name: 'sites.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('button', { name: 'Start import' }).click();
    await expect(page.locator('.page-header .badge')).toHaveText('Completed', { timeout: 30_000 });
  });

  const dialog = page.getByRole('dialog', { name: /website/i });

  await test.step('select every lead and verify their websites', async () => {
    await gotoHydrated(page, `/w/${slug}/leads`);
    await page.getByRole('checkbox', { name: 'Select all leads on screen' }).check();
    await page
      .getByRole('region', { name: 'Bulk actions' })
      .getByRole('button', { name: 'Verify websites' })
      .click();
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('progressbar', { name: 'Websites checked' })).toBeVisible();
    await expect(dialog.getByText(/of 6 checked/)).toBeVisible();
    await snap(page, testInfo, 'websites-progress.png');
  });

  await test.step('close the modal; a reload finds the running check again', async () => {
    await dialog.getByRole('button', { name: 'Run in background' }).click();
    await expect(dialog).toBeHidden();
    await page.reload();
    await gotoHydrated(page, `/w/${slug}/leads`);
    // Reattached: the slow sites take 6 s, so the check is still going and its modal is back.
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('progressbar', { name: 'Websites checked' })).toBeVisible();
  });

  await test.step('the check finishes with an outcome per lead', async () => {
    await gotoHydrated(page, `/w/${slug}/websites`);
    await expect(page.getByRole('heading', { level: 1, name: 'Websites', exact: true })).toBeVisible();
    await expect(async () => {
      await page.reload();
      await expect(page.locator('table.results tbody tr')).toHaveCount(6, { timeout: 2_000 });
      // Finished: a page opened now has no running check to reattach to.
      await expect(dialog).toBeHidden({ timeout: 2_000 });
    }).toPass({ timeout: 45_000 });
    const card = (label: string) =>
      page
        .locator('.status-card')
        .filter({ has: page.getByText(label, { exact: true }) })
        .locator('.status-count');
    await expect(card('Working')).toHaveText('3');
    await expect(card('Not working')).toHaveText('1');
    await expect(card('No website')).toHaveText('2');
    const row = (name: string) =>
      page
        .locator('table.results tbody tr')
        .filter({ has: page.getByRole('link', { name, exact: true }) });
    await expect(row('Amani Bakery')).toContainText('Works over HTTP only');
    await expect(row('Amani Bakery')).toContainText('HTTP 200');
    await expect(row('Amani Bakery')).toContainText('Amani Bakery – Fresh bread daily');
    await expect(row('Baraka Hardware')).toContainText('Page not found');
    await expect(row('Embe Salon')).toContainText('No website given');
    await expect(row('Fundi Motors')).toContainText('Social profile only');
    await expect(row('Fundi Motors')).toContainText('Web design offer');
    await snap(page, testInfo, 'websites-results.png');
  });

  await test.step('filter by outcome and save the web-design leads as a segment', async () => {
    await page
      .locator('.status-card')
      .filter({ has: page.getByText('Not working', { exact: true }) })
      .click();
    await expect(page).toHaveURL(/status=NOT_WORKING/);
    await expect(page.locator('table.results tbody tr')).toHaveCount(1);
    await page
      .locator('.offer-web_design')
      .getByRole('button', { name: 'Save as segment' })
      .click();
    await expect(page.getByText(/saved with 3 leads/)).toBeVisible();
  });

  await test.step('the lead page shows the evidence and the social link', async () => {
    await gotoHydrated(page, `/w/${slug}/leads`);
    await page.getByRole('link', { name: 'Fundi Motors' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Fundi Motors' })).toBeVisible();
    const card = page.locator('.website-card');
    await expect(card).toContainText('Social profile only');
    await expect(card.getByRole('link', { name: 'https://www.facebook.com/fundimotors' })).toBeVisible();
    await expect(page.locator('.timeline')).toContainText('Website checked');
    await snap(page, testInfo, 'websites-lead.png');
  });

  expect(pageErrors).toEqual([]);
});
