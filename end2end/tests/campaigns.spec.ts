import { expect, test, type Page } from '@playwright/test';
import { collectPageErrors, gotoHydrated, registerAndOnboard, snap, waitHydrated } from './support';

// Campaigns as a user meets them: import a few leads and add a sender that talks to the gateway
// simulator (`.ci/test` starts it and sets SIMULATOR_URL); walk the five-step wizard (a filter
// with a live count, a message whose preview names a real lead, a burst strategy without caps
// or working hours, the review with its estimate) and launch; watch the campaign page reach
// 100 % and the simulator receive the messages. Then a paced campaign is paused, resumed and
// cancelled.

const simulator = process.env.SIMULATOR_URL ?? 'http://127.0.0.1:3100';
const SIM_KEY = 'simulator-key';

// "12:03" in the workspace's zone (onboarding picks Africa/Nairobi, UTC+3 all year).
const nairobiTime = (at: Date) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'Africa/Nairobi', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

const nextStep = (page: Page) => page.getByRole('button', { name: /^Next:/ }).click();

test('build a campaign in the wizard, launch it and watch it finish', async ({ page, request }, testInfo) => {
  const project = testInfo.project.name;
  if (project === 'phone') {
    await page.setViewportSize({ width: 360, height: 780 });
  }
  const stamp = Date.now();
  const slug = `cmp-${stamp.toString(36)}-${project}`;
  const session = `c-${stamp.toString(36)}-${project}`;
  // Three numbers of one run: 2547 + 6 digits + the project + 1–3.
  const base = `2547${String(stamp % 1e6).padStart(6, '0')}${project === 'phone' ? 1 : 2}`;
  const phones = [`${base}1`, `${base}2`, `${base}3`];
  const kisumu = ['Jua Kali Motors', 'Lakeside Bakery'];
  const pageErrors = collectPageErrors(page);
  await registerAndOnboard(page, {
    name: `Marketer ${project}`,
    email: `marketer-${stamp}-${project}@example.com`,
    password: `Loom-${stamp.toString(36)}-Reach!42`,
    workspace: `Reach ${project}`,
    slug,
  });

  await test.step('leads and a sender', async () => {
    await gotoHydrated(page, `/w/${slug}/imports`);
    await page.locator('input[type="file"]').setInputFiles({
      name: 'leads.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        `name,phone,city\n${kisumu[0]},+${phones[0]},Kisumu\n${kisumu[1]},+${phones[1]},Kisumu\nNairobi Florists,+${phones[2]},Nairobi\n`,
      ),
    });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('button', { name: 'Start import' }).click();
    await expect(page.locator('.page-header .badge')).toHaveText('Completed', { timeout: 30_000 });
    await gotoHydrated(page, `/w/${slug}/senders`);
    await page.getByRole('button', { name: 'Add sender' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Sales line');
    await page.getByLabel('WhatsApp number').fill('+254 700 000 001');
    await page.getByLabel('Gateway URL').fill(simulator);
    await page.getByLabel('Session id').fill(session);
    await page.getByLabel('API key').fill(SIM_KEY);
    await page.locator('.sender-form').getByRole('button', { name: 'Add sender' }).click();
    await expect(page.getByRole('heading', { name: 'Sales line added' })).toBeVisible();
  });

  await test.step('an empty list, then the wizard', async () => {
    await gotoHydrated(page, `/w/${slug}/campaigns`);
    await expect(page.getByText('No campaign yet.')).toBeVisible();
    await snap(page, testInfo, 'campaign-list-empty.png');
    await page.getByRole('link', { name: 'New campaign' }).click();
    await waitHydrated(page);
    await expect(page.getByRole('heading', { level: 1, name: 'New campaign' })).toBeVisible();
  });

  await test.step('basics', async () => {
    // Leaving the step with no name marks it.
    await nextStep(page);
    await page.getByRole('button', { name: /Basics/ }).click();
    await expect(page.locator('#campaign-name-error')).toHaveText('Give the campaign a name.');
    await page.getByLabel('Name', { exact: true }).fill('Kisumu websites');
    await expect(page.locator('#campaign-name-error')).toBeEmpty();
    await page.getByLabel('Tags').fill('kisumu, web design');
    await snap(page, testInfo, 'campaign-basics.png');
    await nextStep(page);
  });

  await test.step('recipients: a filter with a live count', async () => {
    await expect(page.getByRole('radio', { name: /Leads matching a filter/ })).toBeChecked();
    const count = page.locator('.audience-eligible');
    await expect(count).toContainText('3 leads will receive it');
    await page.getByLabel('City').fill('Kisumu');
    await expect(count).toContainText('2 leads will receive it');
    await expect(page.locator('.audience-exclusions')).toContainText('Opted out');
    // What happened with a lead narrows the filter too; the rest fold away until used.
    await page.locator('.filter-editor .more-filters summary').click();
    await page.locator('#filter-converted').selectOption('yes');
    await expect(count).toContainText('0 leads will receive it');
    await page.locator('#filter-converted').selectOption('no');
    await expect(count).toContainText('2 leads will receive it');
    await expect(page.locator('#filter-import').locator('option')).toHaveCount(2);
    await page.locator('#filter-import').selectOption({ index: 1 });
    await expect(count).toContainText('2 leads will receive it');
    await snap(page, testInfo, 'campaign-recipients.png');
    await nextStep(page);
  });

  await test.step('message: variables and a preview for a real lead', async () => {
    const body = page.getByRole('textbox', { name: 'Message', exact: true });
    await body.fill('Hi {nme}');
    await expect(page.locator('#variant-0-error')).toContainText('{nme}');
    await body.fill('Hi {name|there}, we build websites for businesses in {city|your town}.');
    await expect(page.locator('#variant-0-error')).toBeEmpty();
    await expect(page.locator('.char-count')).toHaveText('70 / 4096');
    const preview = page.getByRole('complementary', { name: 'Preview' });
    await expect(preview.locator('.phone-preview-title')).toHaveText(
      new RegExp(`Preview for (${kisumu.join('|')})`),
    );
    await expect(preview.locator('.bubble-body')).toHaveText(
      new RegExp(`^Hi (${kisumu.join('|')}), we build websites for businesses in Kisumu\\.$`),
    );
    await snap(page, testInfo, 'campaign-message.png');
    await nextStep(page);
  });

  await test.step('strategy: burst, no caps, no working hours, one sender', async () => {
    await page.getByLabel('Order').selectOption('burst');
    await expect(page.getByLabel('Shortest delay (s)')).toHaveCount(0);
    await page.getByRole('checkbox', { name: /daily cap/ }).uncheck();
    await page.getByRole('checkbox', { name: /working hours/ }).uncheck();
    await expect(page.getByLabel('From')).toHaveCount(0);
    // A broken number is named as you type.
    await page.getByLabel('Pause at a failure rate of (%)').fill('0');
    await expect(page.locator('#campaign-failure_threshold_percent-error')).toContainText('from 1 % to 100 %');
    await page.getByLabel('Pause at a failure rate of (%)').fill('25');
    await expect(page.locator('#campaign-failure_threshold_percent-error')).toBeEmpty();
    await page.getByRole('checkbox', { name: /Sales line/ }).check();
    await snap(page, testInfo, 'campaign-strategy.png');
    await nextStep(page);
  });

  let campaignUrl = '';
  await test.step('review and launch', async () => {
    await expect(page.getByRole('radio', { name: /Start now/ })).toBeChecked();
    await expect(page.locator('.review-recipients')).toContainText('2', { timeout: 20_000 });
    await expect(page.locator('.review-estimate')).toContainText('≈');
    await expect(page.locator('.checklist li').first()).toBeVisible();
    await snap(page, testInfo, 'campaign-review.png');
    const launch = page.getByRole('button', { name: 'Launch', exact: true });
    await expect(launch).toBeEnabled();
    await launch.click();
    await expect(page.getByText('“Kisumu websites” launched.')).toBeVisible();
    await expect(page).toHaveURL(/\/campaigns\/[0-9a-f-]{36}$/);
    await waitHydrated(page);
    campaignUrl = new URL(page.url()).pathname;
    await expect(page.getByRole('heading', { level: 1, name: 'Kisumu websites' })).toBeVisible();
    await snap(page, testInfo, 'campaign-live.png');
  });

  await test.step('the campaign page follows it to the end', async () => {
    await expect(page.locator('.campaign-progress-card .campaign-percent')).toContainText('100 %', { timeout: 60_000 });
    await expect(page.locator('.campaign-header .status-completed')).toHaveText('Completed', { timeout: 30_000 });
    await expect(page.locator('.campaign-count.count-sent .count-value')).toHaveText('2');
    await expect(page.locator('.campaign-count.count-failed .count-value')).toHaveText('0');
    // The simulator's read receipts arrive live; the rates follow the same counters at once.
    await expect(page.locator('.campaign-count.count-read .count-value')).toHaveText('2', { timeout: 15_000 });
    await expect(page.getByTestId('rate-read')).toHaveText('100 %');
    await expect(page.getByTestId('rate-delivery')).toHaveText('100 %');
    await expect(page.locator('.campaign-rates')).toContainText('2 of 2 sent');
    const rows = page.locator('table.recipients tbody tr');
    await expect(rows).toHaveCount(2, { timeout: 10_000 });
    await expect(rows.first().getByRole('link')).toHaveText(new RegExp(kisumu.join('|')));
    await expect(page.locator('.sender-panel')).toContainText('Sales line');
    // Times are the workspace's, not UTC, in the server's render and the browser's updates.
    const times = await page.locator('.campaign-times').innerText();
    const ended = /ended \w{3} \d{2} \w{3} (\d{2}:\d{2})/.exec(times)?.[1];
    const now = Date.now();
    expect([nairobiTime(new Date(now)), nairobiTime(new Date(now - 60_000)), nairobiTime(new Date(now - 120_000))]).toContain(ended);
    // Where the messages ended up and when they went: redrawn once the counters settle.
    const delivery = page.locator('section[aria-labelledby="delivery-title"]');
    await expect(delivery).toContainText('2 messages, each at its furthest step', { timeout: 15_000 });
    await expect(delivery.locator('canvas')).toBeVisible();
    const timeline = page.locator('section[aria-labelledby="timeline-title"]');
    await expect(timeline.locator('canvas')).toBeVisible();
    const sentPerHour = async () =>
      (await timeline.locator('tbody tr td:nth-of-type(1)').allTextContents()).map(Number).reduce((a, b) => a + b, 0);
    await expect.poll(sentPerHour, { timeout: 15_000 }).toBe(2);
    // The read receipts reach the charts too: the page reloads them 2 s after the counters move.
    const readPerHour = async () =>
      (await timeline.locator('tbody tr td:nth-of-type(3)').allTextContents()).map(Number).reduce((a, b) => a + b, 0);
    await expect.poll(readPerHour, { timeout: 15_000 }).toBe(2);
    await expect(delivery.locator('tbody tr').filter({ has: page.locator('th', { hasText: /^Read$/ }) }).locator('td'))
      .toHaveText(/^2 \(100/);
    // …and so does the drawing, not only its table: Chart.js keeps one chart per canvas, and the
    // page redraws on the same canvas (replied, read, delivered, sent with no receipt, failed).
    const drawn = () =>
      delivery.locator('canvas').evaluate((c) => (globalThis as any).Chart?.getChart(c)?.data?.datasets?.[0]?.data?.join(','));
    await expect.poll(drawn, { timeout: 15_000 }).toBe('0,2,0,0,0');
    await snap(page, testInfo, 'campaign-done.png');
    // The per-recipient report downloads as CSV.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download report (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('campaign_report.csv');
    const fs = await import('node:fs/promises');
    const report = (await fs.readFile(await download.path(), 'utf8')).trim().split('\n');
    expect(report[0]).toBe('lead,phone,variant,state,delivery,sent_at,delivered_at,read_at,replied_at,error');
    expect(report).toHaveLength(3);
    expect(report.slice(1).map((line) => line.split(',')[0]).sort()).toEqual([...kisumu].sort());
    for (const [i, phone] of phones.slice(0, 2).entries()) {
      const received = await request.get(`${simulator}/admin/messages?to=${phone}`, {
        headers: { 'X-API-Key': SIM_KEY },
      });
      const [latest] = await received.json();
      expect(latest.message).toBe(`Hi ${kisumu[i]}, we build websites for businesses in Kisumu.`);
    }
    // The Nairobi lead was not in the audience.
    const nairobi = await request.get(`${simulator}/admin/messages?to=${phones[2]}`, {
      headers: { 'X-API-Key': SIM_KEY },
    });
    expect(await nairobi.json()).toEqual([]);
  });

  await test.step('the list shows it finished', async () => {
    await gotoHydrated(page, `/w/${slug}/campaigns`);
    const card = page.locator('.campaign-card', { hasText: 'Kisumu websites' });
    await expect(card.locator('.status-completed')).toHaveText('Completed');
    await expect(card.locator('.campaign-percent')).toContainText('100 %');
    await snap(page, testInfo, 'campaign-list.png');
    await card.getByRole('link', { name: 'Kisumu websites' }).click();
    await expect(page).toHaveURL(new RegExp(`${campaignUrl}$`));
  });

  await test.step('a finished campaign\'s charts and lists reload once after it opens', async () => {
    // Its counters no longer move, yet the charts and the recipients table each ask again 2 s
    // after the page opens: the server rendered them from requests of their own, and a receipt
    // that landed between those and the counters' would otherwise stay missing. Every message
    // went, so there is no failed list to ask for.
    const asked: string[] = [];
    page.on('request', (r) => {
      const fn = /\/api\/(load_campaign_activity|load_campaign_recipients)/.exec(r.url())?.[1];
      if (fn) asked.push(fn === 'load_campaign_recipients' && r.postData()?.includes('"failed"') ? 'failed' : fn);
    });
    await gotoHydrated(page, campaignUrl);
    await expect.poll(() => [...new Set(asked)].sort(), { timeout: 10_000 })
      .toEqual(['load_campaign_activity', 'load_campaign_recipients']);
  });

  await test.step('the dashboard counts what went', async () => {
    await gotoHydrated(page, `/w/${slug}`);
    await expect(page.getByTestId('stat-leads')).toHaveText('3');
    await expect(page.getByTestId('stat-sent')).toHaveText('2');
    await expect(page.getByTestId('stat-running')).toHaveText('0');
    await expect(page.getByTestId('stat-delivery')).toHaveText('100 %');
    const line = page.locator('.sender-standing', { hasText: 'Sales line' });
    await expect(line).toContainText('2 of');
    await expect(line).toContainText('Idle');
    await snap(page, testInfo, 'dashboard.png');
  });

  await test.step('analytics: the charts and their tables', async () => {
    await gotoHydrated(page, `/w/${slug}/analytics`);
    await expect(page.getByRole('heading', { level: 1, name: 'Analytics' })).toBeVisible();
    // Chart.js (loaded on first use) drew on all five canvases (the heat map is one).
    const drawn = () =>
      page.evaluate(() => {
        const chart = (window as unknown as { Chart?: { getChart(c: Element): unknown } }).Chart;
        return Array.from(document.querySelectorAll('canvas')).filter((c) => chart?.getChart(c)).length;
      });
    await expect.poll(drawn, { timeout: 15_000 }).toBe(5);
    // The table view holds the numbers: today's row, two sent, delivered and read.
    await page.locator('.chart-card', { hasText: 'Messages per day' }).getByText('Show as a table').click();
    const today = page.locator('.chart-card', { hasText: 'Messages per day' }).locator('tbody tr').last();
    await expect(today.locator('td')).toHaveText(['2', '2', '2', '0']);
    const outcomes = page.locator('.chart-card', { hasText: 'Where the messages ended up' });
    await outcomes.getByText('Show as a table').click();
    await expect(outcomes.locator('tr', { hasText: 'Read' }).locator('td')).toHaveText('2 (100 %)');
    const funnel = page.locator('.chart-card', { hasText: 'From import to customer' });
    await funnel.getByText('Show as a table').click();
    await expect(funnel.locator('tr', { hasText: 'Imported' }).locator('td')).toHaveText('3 (100 %)');
    await expect(funnel.locator('tr', { hasText: 'Messaged' }).locator('td')).toHaveText('2 (67 %)');
    // The heat map shades the hour the two messages went in (no answers yet: 0 %).
    const hours = page.locator('.chart-card', { hasText: 'When leads answer' });
    await expect(hours).toContainText('The share of the 2 messages sent in each hour');
    await expect(hours.locator('td[title]').first()).toHaveAttribute('title', /sent, 0 answered \(0 %\)/);
    // The campaign's one variant, its two messages delivered and read.
    const variants = page.locator('.variant-group', { hasText: 'Kisumu websites' });
    await expect(variants.locator('tbody tr').first().locator('td')).toHaveText(['2', '2 (100 %)', '2 (100 %)', '0 (0 %)']);
    await snap(page, testInfo, 'analytics.png');
    // A range the wrong way round is named; a range without messages says so instead of an empty canvas.
    await page.getByLabel('To', { exact: true }).fill('2020-01-31');
    await expect(page.locator('.range-error')).toHaveText('The end date is before the start date.');
    await page.getByLabel('From', { exact: true }).fill('2020-01-01');
    await expect(page.locator('.chart-card', { hasText: 'Messages per day' })).toContainText('No messages in this range.');
    await expect.poll(drawn).toBe(0);
    await snap(page, testInfo, 'analytics-empty.png');
  });

  await test.step('the lead list shows who was messaged', async () => {
    await gotoHydrated(page, `/w/${slug}/leads?messaged=no`);
    await expect(page.locator('table.leads tbody tr')).toHaveCount(1);
    await expect(page.locator('table.leads tbody')).toContainText('Nairobi Florists');
    await expect(page.locator('.more-filters')).toHaveAttribute('open', '');
    await gotoHydrated(page, `/w/${slug}/leads?city=Kisumu`);
    await expect(page.locator('table.leads .engagement-sent')).toHaveCount(2);
    await expect(page.locator('table.leads .engagement-sent').first()).toContainText('1 sent');
  });

  await test.step('a paced campaign: pause, resume, cancel', async () => {
    // Started from the lead list: the whole filter (Kisumu) in one link.
    await gotoHydrated(page, `/w/${slug}/leads?city=Kisumu`);
    await page.getByRole('checkbox', { name: 'Select all leads on screen' }).check();
    await page.getByRole('link', { name: 'Message in a campaign' }).click();
    await waitHydrated(page);
    await page.getByLabel('Name', { exact: true }).fill('Slow follow-up');
    await nextStep(page);
    await expect(page.getByRole('radio', { name: /The leads you chose/ })).toBeChecked();
    await expect(page.locator('.audience-eligible')).toContainText('2 leads will receive it');
    await nextStep(page);
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Hello {name|there}, any news?');
    await nextStep(page);
    // Long delays, so the campaign is still sending while it is paused and resumed.
    await page.getByLabel('Shortest delay (s)').fill('600');
    await page.getByLabel('Longest delay (s)').fill('900');
    await page.getByRole('checkbox', { name: /working hours/ }).uncheck();
    await page.getByRole('checkbox', { name: /Sales line/ }).check();
    await nextStep(page);
    await expect(page.locator('.review-recipients')).toContainText('2', { timeout: 20_000 });
    await page.getByRole('button', { name: 'Launch', exact: true }).click();
    await expect(page.getByText('“Slow follow-up” launched.')).toBeVisible();
    await waitHydrated(page);
    const badge = page.locator('.campaign-header .badges .badge').first();
    await expect(badge).toHaveText(/Running|Scheduled/);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect(page.getByText(/^Campaign paused\./)).toBeVisible();
    await expect(badge).toHaveText('Paused');
    await snap(page, testInfo, 'campaign-paused.png');
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await expect(page.getByText('Campaign resumed.')).toBeVisible();
    await expect(badge).toHaveText(/Running|Scheduled/);
    // The dashboard's WhatsApp panel shows the number busy with it, and when it sends next.
    const pacedUrl = new URL(page.url()).pathname;
    await gotoHydrated(page, `/w/${slug}`);
    await expect(page.getByTestId('stat-running')).toHaveText('1');
    const line = page.locator('.sender-standing', { hasText: 'Sales line' });
    await expect(line).toContainText('Slow follow-up');
    await expect(line).toContainText(/Next send .* \(in \d+ min\)/);
    await snap(page, testInfo, 'dashboard-sending.png');
    await gotoHydrated(page, pacedUrl);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel campaign' }).click();
    await expect(page.getByText(/^Campaign cancelled\./)).toBeVisible();
    await expect(badge).toHaveText('Cancelled');
    await snap(page, testInfo, 'campaign-cancelled.png');
  });

  expect(pageErrors).toEqual([]);
});
