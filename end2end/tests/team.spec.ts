import { expect, test } from '@playwright/test';
import { collectPageErrors, gotoHydrated, registerAndOnboard, snap, waitHydrated } from './support';

// What a new owner does next: invites a teammate by link, adjusts settings, reads the audit
// log; the teammate joins through the link; a stranger's URL is a 404.
test('an owner invites a teammate who joins; settings and the audit log work', async ({
  page,
  browser,
}, testInfo) => {
  const project = testInfo.project.name;
  const stamp = Date.now().toString(36);
  const slug = `team-${stamp}-${project}`;
  const password = `Loom-${stamp}-Weaver!77`;
  const owner = { name: `Olga ${project}`, email: `olga-${stamp}-${project}@example.com` };
  const mate = { name: `Tom ${project}`, email: `tom-${stamp}-${project}@example.com` };
  const pageErrors = collectPageErrors(page);

  // Renamed by the settings step below; the notifications use the new name.
  let workspaceName = `Team ${stamp}`;
  await registerAndOnboard(page, { ...owner, password, workspace: workspaceName, slug });

  let link = '';
  await test.step('invite a teammate by link', async () => {
    await gotoHydrated(page, `/w/${slug}/members`);
    await page.getByLabel('Email', { exact: true }).fill(mate.email);
    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Send invitation', exact: true }).click();
    const linkField = page.getByRole('textbox', { name: 'Invitation link' });
    await expect(linkField).toBeVisible();
    link = await linkField.inputValue();
    expect(link).toMatch(/\/invite\/[0-9a-f]{64}$/);
    await expect(page.getByRole('status').filter({ hasText: 'Share the link below' })).toBeVisible();
    await expect(page.getByText(mate.email).first()).toBeVisible();
    await snap(page, testInfo, '11-members-invited.png');
  });

  await test.step('change working hours and see a toast', async () => {
    await gotoHydrated(page, `/w/${slug}/settings`);
    await page.getByLabel('Working hours start', { exact: true }).fill('08:00');
    await page.getByRole('button', { name: 'Save settings', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
    await snap(page, testInfo, '12-settings-saved.png');
  });

  await test.step('opt-out words are saved and kept', async () => {
    const keywords = page.getByLabel('Keywords, one per line (blank: the defaults)', { exact: true });
    await keywords.fill('STOP\nunsubscribe');
    await page.getByRole('button', { name: 'Save opt-out settings', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Opt-out settings saved.' })).toBeVisible();
    await page.reload();
    await waitHydrated(page);
    await expect(page.getByLabel('Keywords, one per line (blank: the defaults)', { exact: true })).toHaveValue(/unsubscribe/);
  });

  await test.step('a new workspace name reaches the sidebar and stays on the next page', async () => {
    const renamed = `${workspaceName} Ltd`;
    await page.getByLabel('Workspace name', { exact: true }).fill(renamed);
    await page.getByRole('button', { name: 'Save settings', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' }).last()).toBeVisible();
    const navigation = page.getByRole('complementary', { name: 'Main navigation' });
    await expect(navigation.locator('.brand-name')).toHaveText(renamed);
    // A page change in the browser renders the layout again, from the shell the workspace's
    // route keeps: it must be the renamed one.
    const openNavigation = page.getByRole('button', { name: 'Open navigation', exact: true });
    if (await openNavigation.isVisible()) await openNavigation.click();
    await navigation.getByRole('link', { name: 'Audit log', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
    await expect(navigation.locator('.brand-name')).toHaveText(renamed);
    await expect(page.getByRole('button', { name: 'Switch workspace' })).toContainText(renamed);
    workspaceName = renamed;
  });

  await test.step('the audit log shows the change', async () => {
    await gotoHydrated(page, `/w/${slug}/audit`);
    await expect(page.getByRole('cell', { name: 'Changed settings' }).first()).toBeVisible();
    await expect(page.getByText('working hours: 09:00–18:00 → 08:00–18:00')).toBeVisible();
    await snap(page, testInfo, '13-audit-log.png');
  });

  await test.step('the teammate registers through the link and joins', async () => {
    const context = await browser.newContext({ viewport: page.viewportSize() ?? undefined });
    const matePage = await context.newPage();
    const mateErrors = collectPageErrors(matePage);
    await gotoHydrated(matePage, link);
    await expect(matePage.getByRole('heading', { level: 1, name: `Join ${workspaceName}` })).toBeVisible();
    await matePage.getByRole('link', { name: 'Create an account', exact: true }).click();
    await expect(matePage).toHaveURL(/\/register\?next=/);
    await waitHydrated(matePage);
    await matePage.getByLabel('Name', { exact: true }).fill(mate.name);
    await matePage.getByLabel('Email', { exact: true }).fill(mate.email);
    await matePage.getByLabel('Password', { exact: true }).fill(password);
    await matePage.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(matePage).toHaveURL(/\/invite\//);
    await matePage.getByRole('button', { name: 'Accept invitation', exact: true }).click();
    await expect(matePage).toHaveURL(new RegExp(`/w/${slug}/?$`));
    await expect(matePage.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await expect(matePage.getByTestId('members-count')).toHaveText('2');
    await snap(matePage, testInfo, '14-teammate-dashboard.png');
    expect(mateErrors).toEqual([]);
    await context.close();
  });

  await test.step('the owner is notified', async () => {
    await gotoHydrated(page, `/w/${slug}`);
    // The page carries the bell's count; the list is loaded when the bell opens.
    const count = page.getByLabel('1 unread', { exact: true });
    await expect(count).toBeVisible();
    await page.getByRole('button', { name: 'Notifications', exact: true }).click();
    await expect(page.getByText(`${mate.name} joined ${workspaceName} as Admin.`)).toBeVisible();
    await snap(page, testInfo, '15-notifications.png');
    await page.getByRole('button', { name: 'Mark all as read', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Mark all as read', exact: true })).toBeHidden();
    await expect(count).toBeHidden();
  });

  await test.step('someone else\'s workspace is a 404', async () => {
    const response = await page.goto(`/w/not-yours-${stamp}/settings`);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await snap(page, testInfo, '16-not-found.png');
  });

  expect(pageErrors).toEqual([]);
});
