import { expect, test } from '@playwright/test';
import { collectPageErrors, gotoHydrated, registerAndOnboard, snap } from './support';

// Verifying a phone as a user does it: save the number on the account page, ask for a code on
// WhatsApp (it goes out through the gateway simulator, where the test reads it like a phone
// would), mistype it once, then type it right.

const simulator = process.env.SIMULATOR_URL ?? 'http://127.0.0.1:3100';
const SIM_KEY = 'simulator-key';

test('verify a phone with a WhatsApp code', async ({ page, request }, testInfo) => {
  const project = testInfo.project.name;
  if (project === 'phone') {
    await page.setViewportSize({ width: 360, height: 780 });
  }
  const stamp = Date.now();
  // A Kenyan mobile number of this run's own, not ending in 0 (the simulator's "not on WhatsApp").
  const local = `7${String(stamp % 1e7).padStart(7, '0')}${project === 'phone' ? 7 : 3}`;
  const digits = `254${local}`;
  const slug = `otp-${stamp.toString(36)}-${project}`;
  const pageErrors = collectPageErrors(page);
  await registerAndOnboard(page, {
    name: `Phone ${project}`,
    email: `phone-${stamp}-${project}@example.com`,
    password: `Loom-${stamp.toString(36)}-Code!42`,
    workspace: `Codes ${project}`,
    slug,
  });
  await gotoHydrated(page, `/w/${slug}/account`);

  const card = page.locator('.phone-verification');
  await test.step('save a phone', async () => {
    await expect(card).toContainText('Add your phone to the profile above');
    await page.getByLabel('Phone', { exact: true }).fill(`+254 ${local}`);
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect(page.getByText('Profile saved.')).toBeVisible();
    await expect(card.locator('.badge')).toHaveText('Not verified');
  });

  let code = '';
  await test.step('ask for a code', async () => {
    await card.getByRole('button', { name: 'Send code on WhatsApp' }).click();
    await expect(page.getByText(`Code sent to +${digits} on WhatsApp.`)).toBeVisible();
    await expect(card.locator('.code-status')).toContainText('It expires in 9:');
    await expect(card.locator('.code-status')).toContainText('5 tries left');
    // The resend button counts down instead of letting codes pile up.
    await expect(card.getByRole('button', { name: /Send a new code in 0:\d\d/ })).toBeDisabled();
    const received = await request.get(`${simulator}/admin/messages?to=${digits}`, {
      headers: { 'X-API-Key': SIM_KEY },
    });
    const [latest] = await received.json();
    code = /^(\d{6}) is your LeadLoom verification code/.exec(latest.message)?.[1] ?? '';
    expect(code).toHaveLength(6);
    await snap(page, testInfo, 'phone-code-sent.png');
  });

  await test.step('a wrong code says how many tries remain', async () => {
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    await card.getByLabel('Code', { exact: true }).fill(wrong);
    await card.getByRole('button', { name: 'Verify' }).click();
    await expect(card.locator('#phone-code-error')).toHaveText('That code is not right — 4 tries left.');
    await expect(card.locator('.code-status')).toContainText('4 tries left');
    await snap(page, testInfo, 'phone-code-wrong.png');
  });

  await test.step('the right code verifies the phone', async () => {
    await card.getByLabel('Code', { exact: true }).fill(code);
    await card.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByText('Phone verified.')).toBeVisible();
    await expect(card.locator('.badge')).toHaveText('Verified');
    await expect(card).toContainText(`+${digits} is verified`);
    await page.reload();
    await expect(card.locator('.badge')).toHaveText('Verified');
    await snap(page, testInfo, 'phone-verified.png');
  });

  expect(pageErrors).toEqual([]);
});
