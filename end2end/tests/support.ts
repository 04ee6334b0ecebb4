import { expect, type Page, type TestInfo } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The app sets `document.body.dataset.hydrated = "true"` once the wasm bundle has hydrated. */
export async function waitHydrated(page: Page): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** Navigates to `path` (relative to baseURL) and waits until the page is hydrated. */
export async function gotoHydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitHydrated(page);
}

/** Full-page screenshot into end2end/screenshots/<project>/<name>. */
export async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const dir = path.resolve(testInfo.project.testDir, '..', 'screenshots', testInfo.project.name);
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name), fullPage: true });
}

/** Collects uncaught page errors (e.g. a wasm panic during hydration) so a test can assert none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
  return errors;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Registers a fresh account and completes onboarding; the page ends on the new dashboard. */
export async function registerAndOnboard(
  page: Page,
  who: { name: string; email: string; password: string; workspace: string; slug: string },
): Promise<void> {
  await gotoHydrated(page, '/register');
  await page.getByLabel('Name', { exact: true }).fill(who.name);
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await expect(page).toHaveURL(/\/onboarding/);
  // Typed before hydration, the fields would be reset by it.
  await waitHydrated(page);
  await page.getByLabel('Workspace name', { exact: true }).fill(who.workspace);
  await page.getByLabel('Slug', { exact: true }).fill(who.slug);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByRole('combobox', { name: 'Time zone', exact: true }).selectOption('Africa/Nairobi');
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByRole('radio', { name: 'Agency', exact: true }).check();
  await page.getByRole('button', { name: 'Finish', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
}
