import { expect, test } from '@playwright/test';
import { collectPageErrors, gotoHydrated, registerAndOnboard, snap, waitHydrated } from './support';

// Templates as a user meets them: the two starter pitches are there; write a new one with
// variable chips, see an unknown variable named as you type, watch the phone preview render
// for a real lead; then pick it in a lead's reply box and send it.

const simulator = process.env.SIMULATOR_URL ?? 'http://127.0.0.1:3100';
const SIM_KEY = 'simulator-key';

test('write a template, preview it, send it from a lead', async ({ page, request }, testInfo) => {
  const project = testInfo.project.name;
  if (project === 'phone') {
    await page.setViewportSize({ width: 360, height: 780 });
  }
  const stamp = Date.now();
  const slug = `tpl-${stamp.toString(36)}-${project}`;
  const session = `t-${stamp.toString(36)}-${project}`;
  const phone = `2547${String(stamp % 1e7).padStart(7, '0')}${project === 'phone' ? 5 : 6}`;
  const pageErrors = collectPageErrors(page);
  await registerAndOnboard(page, {
    name: `Writer ${project}`,
    email: `writer-${stamp}-${project}@example.com`,
    password: `Loom-${stamp.toString(36)}-Words!42`,
    workspace: `Words ${project}`,
    slug,
  });

  await test.step('a lead and a sender to write to', async () => {
    await gotoHydrated(page, `/w/${slug}/imports`);
    await page.locator('input[type="file"]').setInputFiles({
      name: 'lead.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`name,phone,city,Owner\nJua Kali Motors,+${phone},Kisumu,Otieno\n`),
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

  await test.step('the starters are there', async () => {
    await gotoHydrated(page, `/w/${slug}/templates`);
    await expect(page.getByRole('heading', { name: 'Site live: care and SEO' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'No working site: web design' })).toBeVisible();
    await snap(page, testInfo, 'templates.png');
  });

  await test.step('write one with chips and a live preview', async () => {
    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Garage follow-up');
    await page.getByLabel('Category').selectOption('follow_up');
    const body = page.getByLabel('Message', { exact: true });
    await body.fill('Hi {ownr}');
    await expect(page.locator('#template-body-error')).toHaveText('There is no variable {ownr}: did you mean {owner}?');
    await expect(page.getByRole('button', { name: 'Save template' })).toBeDisabled();
    await body.fill('Hi ');
    await page.getByRole('group', { name: 'Insert a variable' }).getByRole('button', { name: '{owner}' }).click();
    await body.press('End');
    await body.pressSequentially(', how is business in {city|town}? ');
    // The emoji picker puts its emoji at the cursor too.
    await page.getByRole('button', { name: 'Emoji' }).click();
    await snap(page, testInfo, 'template-emoji.png');
    await page.getByRole('group', { name: 'Insert an emoji' }).getByRole('button', { name: 'waving hand' }).click();
    await page.getByRole('button', { name: 'Emoji' }).press('Escape');
    await expect(page.getByRole('group', { name: 'Insert an emoji' })).toBeHidden();
    await expect(body).toHaveValue('Hi {owner}, how is business in {city|town}? 👋');
    await expect(page.locator('#template-body-error')).toBeEmpty();
    const preview = page.getByRole('complementary', { name: 'Preview' });
    await expect(preview).toContainText('Preview for Jua Kali Motors');
    await expect(preview.locator('.preview-bubble')).toHaveText('Hi Otieno, how is business in Kisumu? 👋');
    await snap(page, testInfo, 'template-editor.png');
    await page.getByRole('button', { name: 'Save template' }).click();
    await expect(page.getByText('Template “Garage follow-up” saved.')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Garage follow-up' })).toBeVisible();
  });

  await test.step('pick it in the reply box and send', async () => {
    await gotoHydrated(page, `/w/${slug}/leads`);
    await page.getByRole('link', { name: 'Jua Kali Motors', exact: true }).click();
    await waitHydrated(page);
    await page.getByLabel('Template', { exact: true }).selectOption({ label: 'Garage follow-up' });
    const box = page.getByLabel('Message', { exact: true });
    await expect(box).toHaveValue('Hi Otieno, how is business in Kisumu? 👋');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(page.getByText('Sent from Sales line.')).toBeVisible();
    const received = await request.get(`${simulator}/admin/messages?to=${phone}`, {
      headers: { 'X-API-Key': SIM_KEY },
    });
    const [latest] = await received.json();
    expect(latest.message).toBe('Hi Otieno, how is business in Kisumu? 👋');
    await snap(page, testInfo, 'template-sent.png');
    await gotoHydrated(page, `/w/${slug}/templates`);
    await expect(page.locator('.template-card', { hasText: 'Garage follow-up' })).toContainText('Used once');
  });

  expect(pageErrors).toEqual([]);
});
