import { expect, test } from '@playwright/test';
import { collectPageErrors, gotoHydrated, registerAndOnboard, snap, waitHydrated } from './support';

// The WhatsApp channel as a user meets it: add a sender that talks to the gateway simulator
// (`.ci/test` starts it and sets SIMULATOR_URL), see it connected, send a test message; import
// a lead, message it from the lead page and watch the ticks turn blue as the simulator's
// receipts arrive; send a picture the gateway downloads through a signed link; then the lead replies (through the simulator) and the reply shows up.

const simulator = process.env.SIMULATOR_URL ?? 'http://127.0.0.1:3100';
const SIM_KEY = 'simulator-key';
// A 24×24 green PNG (88 bytes), the picture sent to the lead.
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAABgAAAAYCAIAAABvFaqvAAAAH0lEQVR4nGNQvZxGFcQwatCoQaMGjRo0atCoQQNvEADMchOu+oulZwAAAABJRU5ErkJggg==';

test('add a sender, message a lead, see receipts and a reply', async ({ page, request }, testInfo) => {
  const project = testInfo.project.name;
  if (project === 'phone') {
    await page.setViewportSize({ width: 360, height: 780 });
  }
  const stamp = Date.now();
  const slug = `wa-${stamp.toString(36)}-${project}`;
  // A session per run, so webhooks registered by earlier runs do not interfere.
  const session = `s-${stamp.toString(36)}-${project}`;
  const pageErrors = collectPageErrors(page);
  await registerAndOnboard(page, {
    name: `Sender ${project}`,
    email: `sender-${stamp}-${project}@example.com`,
    password: `Loom-${stamp.toString(36)}-Chat!42`,
    workspace: `Chats ${project}`,
    slug,
  });

  await test.step('add a sender', async () => {
    await gotoHydrated(page, `/w/${slug}/senders`);
    await expect(page.getByText('No sender yet.')).toBeVisible();
    await page.getByRole('button', { name: 'Add sender' }).click();
    // The form is loaded on that first click: submit it once it is there.
    await page.locator('.sender-form').getByRole('button', { name: 'Add sender', exact: true }).click();
    // Nothing filled in: each field says what it needs.
    await expect(page.getByText('Give the sender a name of 1–80 characters.')).toBeVisible();
    await expect(page.getByText("Enter the gateway's API key.")).toBeVisible();
    await page.getByLabel('Name', { exact: true }).fill('Sales line');
    await page.getByLabel('WhatsApp number').fill('+254 700 000 001');
    await page.getByLabel('Gateway URL').fill(simulator);
    await page.getByLabel('Session id').fill(session);
    await page.getByLabel('API key').fill(SIM_KEY);
    await snap(page, testInfo, 'sender-form.png');
    await page.locator('.sender-form').getByRole('button', { name: 'Add sender' }).click();
    await expect(page.getByRole('heading', { name: 'Sales line added' })).toBeVisible();
    await expect(page.getByText('The gateway accepted the webhook')).toBeVisible();
    const card = page.locator('li.sender');
    await expect(card.locator('.badge')).toHaveText('Connected');
    await expect(card).toContainText('Today: 0 of 30 messages');
    await snap(page, testInfo, 'senders.png');
  });

  await test.step('send a test message', async () => {
    await page.getByLabel('Send a test message to').fill('+254 711 222 333');
    await page.getByRole('button', { name: 'Send test' }).click();
    await expect(page.getByText('Test message sent to +254711222333.')).toBeVisible();
    const received = await request.get(`${simulator}/admin/messages?to=254711222333`, {
      headers: { 'X-API-Key': SIM_KEY },
    });
    const messages = await received.json();
    expect(messages[0].message).toContain('Test message from LeadLoom');
  });

  let leadUrl = '';
  await test.step('import a lead', async () => {
    await gotoHydrated(page, `/w/${slug}/imports`);
    await page.locator('input[type="file"]').setInputFiles({
      name: 'lead.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('name,phone\nZawadi Florists,+254733555777\n'),
    });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('button', { name: 'Start import' }).click();
    await expect(page.locator('.page-header .badge')).toHaveText('Completed', { timeout: 30_000 });
    await gotoHydrated(page, `/w/${slug}/leads`);
    // Is the number on WhatsApp? Ask through the sender, with the check's progress on the list.
    await page.getByRole('checkbox', { name: 'Select all leads on screen' }).check();
    await page
      .getByRole('region', { name: 'Bulk actions' })
      .getByRole('button', { name: 'Check WhatsApp' })
      .click();
    const banner = page.locator('.number-check');
    await expect(banner).toContainText('WhatsApp check finished: 1 number', { timeout: 30_000 });
    await expect(banner).toContainText('1 on WhatsApp');
    await snap(page, testInfo, 'number-check.png');
    await page.reload();
    await waitHydrated(page);
    await expect(page.locator('table').getByText('On WhatsApp')).toBeVisible();
    await page.getByRole('link', { name: 'Zawadi Florists', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'WhatsApp' })).toBeVisible();
    leadUrl = page.url();
  });

  await test.step('message the lead and watch the ticks', async () => {
    await gotoHydrated(page, new URL(leadUrl).pathname);
    const box = page.getByLabel('Message', { exact: true });
    await box.fill('Habari! We build websites for florists in Nairobi.');
    await expect(page.locator('.char-count')).toHaveText('50 / 4096');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(page.getByText('Sent from Sales line.')).toBeVisible();
    const bubble = page.locator('.bubble-out').last();
    await expect(bubble).toContainText('We build websites for florists');
    await expect(bubble.locator('.ticks')).toHaveAttribute('aria-label', 'Read', { timeout: 20_000 });
    await expect(page.getByRole('button', { name: 'Contacted', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await snap(page, testInfo, 'lead-conversation.png');
  });

  await test.step('send a picture with a caption', async () => {
    const picker = page.locator('.reply-box input[type="file"]');
    // A file that is not what its name says is refused at once, naming the file.
    await picker.setInputFiles({ name: 'setup.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ not a pdf') });
    await expect(page.locator('#attachment-error')).toContainText('setup.pdf');
    await picker.setInputFiles({ name: 'storefront.png', mimeType: 'image/png', buffer: Buffer.from(PNG, 'base64') });
    const chip = page.locator('.attachment-chip');
    await expect(chip).toContainText('storefront.png');
    await expect(chip).toContainText('1 KB');
    await expect(page.locator('#attachment-error')).toHaveCount(0);
    await page.getByLabel('Message', { exact: true }).fill('Here is your shop front, redesigned.');
    await snap(page, testInfo, 'lead-attachment.png');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    // The first message's toast may still be showing: this one is the newest.
    await expect(page.getByText('Sent from Sales line.').last()).toBeVisible();
    await expect(chip).toHaveCount(0);
    const bubble = page.locator('.bubble-out').last();
    await expect(bubble).toContainText('redesigned');
    // The picture is served back to the browser from the workspace's own route.
    const image = bubble.locator('img');
    await expect(image).toHaveAttribute('alt', 'storefront.png');
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(24);
    // The gateway downloaded exactly the bytes that were uploaded, through the signed link.
    const received = await request.get(`${simulator}/admin/messages?to=254733555777`, {
      headers: { 'X-API-Key': SIM_KEY },
    });
    const [latest] = await received.json();
    expect(latest.message).toBe('Here is your shop front, redesigned.');
    expect(latest.media.fetchedBytes).toBe(88);
    expect(latest.media.fetchedContentType).toBe('image/png');
    await snap(page, testInfo, 'lead-attachment-sent.png');
  });

  await test.step('the lead replies', async () => {
    const reply = await request.post(`${simulator}/admin/sessions/${session}/inbound`, {
      headers: { 'X-API-Key': SIM_KEY },
      data: { from: '254733555777', message: 'Sounds good, send me prices' },
    });
    expect(reply.ok()).toBeTruthy();
    await expect(async () => {
      await page.reload();
      await expect(page.locator('.bubble-in')).toContainText('Sounds good, send me prices', { timeout: 2_000 });
    }).toPass({ timeout: 20_000 });
    await expect(page.getByRole('button', { name: 'Replied', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await snap(page, testInfo, 'lead-reply.png');
  });

  expect(pageErrors).toEqual([]);
});
