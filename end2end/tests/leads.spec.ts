import { expect, test } from '@playwright/test';
import { collectPageErrors, gotoHydrated, registerAndOnboard, snap, waitHydrated } from './support';

// The lead list's working tools: a small import, then filter → select → tag → set stage →
// save the filter as a segment → rename it → reapply it → delete a lead after confirming. On the phone
// project the page is narrowed to 360 px, the smallest width the layout supports.
const CSV = [
  'name,phone,city,category',
  'Amani Bakery,+254722000001,Nairobi,Bakery',
  'Baraka Hardware,+254722000002,Nairobi,Hardware',
  'Chai Corner,+254722000003,Nairobi,Cafe',
  'Duka La Mama,+254722000004,Mombasa,Bakery',
  'Embe Salon,+254722000005,Mombasa,Salon',
  'Fundi Motors,+254722000006,Arusha,Garage',
].join('\n');

test('filter, select, tag, stage, segment and delete leads', async ({ page }, testInfo) => {
  const project = testInfo.project.name;
  if (project === 'phone') {
    await page.setViewportSize({ width: 360, height: 780 });
  }
  const stamp = Date.now();
  const slug = `leads-${stamp.toString(36)}-${project}`;
  const pageErrors = collectPageErrors(page);
  await registerAndOnboard(page, {
    name: `Lister ${project}`,
    email: `lister-${stamp}-${project}@example.com`,
    password: `Loom-${stamp.toString(36)}-Leads!42`,
    workspace: `Leads ${project}`,
    slug,
  });

  await test.step('import six leads', async () => {
    await gotoHydrated(page, `/w/${slug}/imports`);
    await page.locator('input[type="file"]').setInputFiles({
      name: 'six-leads.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(CSV),
    });
    await expect(page.getByText('Ready: six-leads.csv')).toBeVisible();
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('button', { name: 'Start import' }).click();
    await expect(page.locator('.page-header .badge')).toHaveText('Completed', { timeout: 30_000 });
    await page.getByRole('link', { name: 'See the imported leads' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Leads', exact: true })).toBeVisible();
    await expect(page.getByText('6 leads', { exact: true })).toBeVisible();
  });

  const bar = page.getByRole('region', { name: 'Bulk actions' });
  const segments = page.getByRole('complementary', { name: 'Segments' });

  await test.step('filter by city', async () => {
    await gotoHydrated(page, `/w/${slug}/leads`);
    await page.getByLabel('City', { exact: true }).fill('Nairobi');
    await page.evaluate(() => { (window as unknown as { sameDocument: boolean }).sameDocument = true; });
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/city=Nairobi/);
    await expect(page.getByText('3 leads', { exact: true })).toBeVisible();
    // The filter form navigates inside the app once hydrated: no page load in between.
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await expect(page.locator('table.leads tbody tr')).toHaveCount(3);
    await expect(page.getByRole('link', { name: 'Amani Bakery' })).toHaveAttribute(
      'href',
      new RegExp(`/w/${slug}/leads/[0-9a-f-]{36}$`),
    );
    await snap(page, testInfo, '30-leads-filtered.png');
  });

  await test.step('select the page, tag it and move it to Qualified', async () => {
    await page.getByRole('checkbox', { name: 'Select all leads on screen' }).check();
    await expect(bar).toContainText('3 selected');
    await bar.getByPlaceholder('Tag').fill('hot');
    await snap(page, testInfo, '31-leads-selected.png');
    await bar.getByRole('button', { name: 'Tag', exact: true }).click();
    await expect(page.getByText('Tagged 3 leads "hot".')).toBeVisible();
    await expect(page.locator('table.leads tbody .tag', { hasText: 'hot' })).toHaveCount(3);
    await expect(bar).toBeHidden();

    await page.getByRole('checkbox', { name: 'Select all leads on screen' }).check();
    await bar.locator('#bulk-stage').selectOption('qualified');
    await bar.getByRole('button', { name: 'Set stage' }).click();
    await expect(page.getByText('Moved 3 leads to Qualified.')).toBeVisible();
    await expect(page.locator('table.leads tbody .badge.stage-qualified')).toHaveCount(3);
  });

  await test.step('save the filter as a segment, rename it and reapply it', async () => {
    await segments.getByRole('button', { name: 'Save this filter as a segment…' }).click();
    await segments.getByLabel('Save this filter as').fill('Nairobi warm');
    await segments.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Segment saved.')).toBeVisible();
    await expect(segments.getByRole('link', { name: /Nairobi warm/ })).toContainText('3');
    // The segment of the filter shown is the active one.
    await expect(segments.locator('.segment-active')).toContainText('Nairobi warm');
    await segments.getByRole('button', { name: 'Rename', exact: true }).click();
    await segments.getByLabel('Rename "Nairobi warm" to').fill('Nairobi hot');
    await segments.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByText('Segment renamed.')).toBeVisible();
    const link = segments.getByRole('link', { name: /Nairobi hot/ });
    await expect(link).toContainText('3');
    await expect(segments.getByRole('link', { name: /Nairobi warm/ })).toHaveCount(0);
    await snap(page, testInfo, '32-leads-segment.png');
    await page.getByRole('link', { name: 'Clear', exact: true }).click();
    await expect(page.getByText('6 leads', { exact: true })).toBeVisible();
    await link.click();
    await expect(page).toHaveURL(/city=Nairobi/);
    await expect(page.getByText('3 leads', { exact: true })).toBeVisible();
  });

  await test.step('delete one lead after confirming', async () => {
    await page.getByRole('checkbox', { name: 'Select Amani Bakery' }).check();
    await expect(bar).toContainText('1 selected');
    await bar.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('alertdialog');
    await expect(dialog).toContainText('Delete 1 lead?');
    await snap(page, testInfo, '33-leads-confirm-delete.png');
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(page.getByText('Deleted 1 lead.')).toBeVisible();
    await expect(page.getByText('2 leads', { exact: true })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Amani Bakery' })).toHaveCount(0);
    await expect(segments.getByRole('link', { name: /Nairobi hot/ })).toContainText('2');
    // The result holds after a reload (it is the server's state, not the page's).
    await page.reload();
    await waitHydrated(page);
    await expect(page.getByText('2 leads', { exact: true })).toBeVisible();
    await snap(page, testInfo, '34-leads-after-delete.png');
  });

  expect(pageErrors, 'no uncaught errors in the page').toEqual([]);
});
