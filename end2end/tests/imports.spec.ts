import { expect, test } from '@playwright/test';
import * as path from 'node:path';
import { collectPageErrors, gotoHydrated, registerAndOnboard, snap, waitHydrated } from './support';

// A new user imports the sample spreadsheet from examples/: upload → preview with the detected
// columns → import with a live progress bar → report → the lead list → a CSV export.
test('a new user imports the sample spreadsheet and finds the leads', async ({ page }, testInfo) => {
  const project = testInfo.project.name;
  const stamp = Date.now();
  const slug = `imp-${stamp.toString(36)}-${project}`;
  const pageErrors = collectPageErrors(page);
  await registerAndOnboard(page, {
    name: `Importer ${project}`,
    email: `importer-${stamp}-${project}@example.com`,
    password: `Loom-${stamp.toString(36)}-Import!42`,
    workspace: `Imports ${project}`,
    slug,
  });

  await test.step('upload', async () => {
    await gotoHydrated(page, `/w/${slug}/imports`);
    await expect(page.getByRole('heading', { level: 1, name: 'Import leads', exact: true })).toBeVisible();
    await expect(page.getByText('No imports yet.')).toBeVisible();
    const sample = path.resolve(testInfo.project.testDir, '..', '..', 'examples', 'leads-sample.xlsx');
    await page.locator('input[type="file"]').setInputFiles(sample);
    await expect(page.getByText('Ready: leads-sample.xlsx')).toBeVisible();
    await snap(page, testInfo, '20-import-upload.png');
    await page.getByRole('button', { name: 'Upload and preview' }).click();
  });

  await test.step('preview and mapping', async () => {
    await expect(page.getByRole('heading', { level: 1, name: /Check the columns of leads-sample\.xlsx/ })).toBeVisible();
    await expect(page.getByText(/Headers found on row 4/)).toBeVisible();
    // Portuguese and Swahili headers were recognised.
    await expect(page.getByRole('combobox', { name: 'Column 1: Nome da Empresa' })).toHaveValue('name');
    await expect(page.getByRole('combobox', { name: 'Column 2: Simu / Phone' })).toHaveValue('phone');
    await expect(page.getByRole('combobox', { name: 'Column 4: Barua pepe' })).toHaveValue('email');
    // The user keeps the account manager column but decides to ignore the tags.
    await page.getByRole('combobox', { name: 'Column 7: Tags' }).selectOption('ignore');
    await expect(page.getByRole('combobox', { name: /Country for numbers without a country code/ })).toHaveValue('KE');
    await snap(page, testInfo, '21-import-preview.png');
    await page.getByRole('button', { name: 'Start import' }).click();
  });

  await test.step('progress and report', async () => {
    await expect(page.getByText('Import of leads-sample.xlsx started.')).toBeVisible();
    await expect(page.locator('.page-header .badge')).toHaveText('Completed', { timeout: 30_000 });
    await expect(page.getByRole('progressbar', { name: 'Import progress' })).toHaveAttribute('aria-valuenow', '100');
    await expect(page.locator('.stat', { hasText: 'Imported' }).locator('.stat-value')).toHaveText('250');
    await expect(page.locator('.stat', { hasText: 'Duplicates' }).locator('.stat-value')).toHaveText('8');
    await expect(page.getByRole('cell', { name: /^duplicate of row 10 \(/ })).toBeVisible();
    await expect(page.getByRole('cell', { name: /phone "12345"/ }).first()).toBeVisible();
    await snap(page, testInfo, '22-import-report.png');
    // The job runs on the server: a reload shows the same finished import.
    await page.reload();
    await waitHydrated(page);
    await expect(page.locator('.page-header .badge')).toHaveText('Completed');
    await expect(page.locator('.stat', { hasText: 'Imported' }).locator('.stat-value')).toHaveText('250');
  });

  await test.step('the leads', async () => {
    await page.getByRole('link', { name: 'See the imported leads' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Leads', exact: true })).toBeVisible();
    await expect(page.getByText('250 leads')).toBeVisible();
    await page.getByLabel('Search').fill('+2547');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/q=%2B2547/);
    await expect(page.locator('table.leads tbody tr').first()).toContainText('+2547');
    await snap(page, testInfo, '23-leads.png');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'This list (CSV)' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('leads.csv');
  });

  expect(pageErrors, 'no uncaught errors in the page').toEqual([]);
});
