import { expect, test } from '@playwright/test';
import { collectPageErrors, escapeRegExp, gotoHydrated, snap, waitHydrated } from './support';

// register → onboarding (3 steps) → dashboard → sign out → wrong password → sign in.
// Runs once per project (desktop, phone) with a fresh account and workspace each run.
test('a new user registers, onboards a workspace, signs out and signs back in', async ({
  page,
}, testInfo) => {
  const project = testInfo.project.name;
  const stamp = Date.now();
  const email = `user-${stamp}-${project}@example.com`;
  const password = `Loom-${stamp.toString(36)}-Tapestry!42`;
  const workspaceName = `E2E ${project} ${stamp}`;
  const slug = `e2e-${stamp.toString(36)}-${project}`;
  const dashboardUrl = new RegExp(`/w/${escapeRegExp(slug)}/?(?:[?#].*)?$`);
  const pageErrors = collectPageErrors(page);

  const dashboardHeading = page.getByRole('heading', { level: 1, name: 'Dashboard' });

  // The wasm a page loads: the main module, and its lazy route's chunks as one bundle (a later
  // page's bundle holds only chunks not loaded yet), never chunks one by one.
  const wasmRequests: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/pkg/') && path.endsWith('.wasm')) wasmRequests.push(path);
  });
  const bundleTokens = (path: string) => path.replace(/^\/pkg\/bundle\//, '').replace(/\.wasm$/, '').split('.');

  await test.step('register', async () => {
    await gotoHydrated(page, '/register');
    expect(wasmRequests).toHaveLength(2);
    expect(wasmRequests[0]).toBe('/pkg/leadloom.wasm');
    expect(wasmRequests[1]).toMatch(/^\/pkg\/bundle\/[a-z0-9_.]+\.wasm$/);
    expect(bundleTokens(wasmRequests[1]).some((t) => t.startsWith('split___register_route_view_'))).toBe(true);
    await page.getByLabel('Name', { exact: true }).fill(`E2E ${project}`);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await snap(page, testInfo, '01-register.png');
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(page).toHaveURL(/\/onboarding\/?(?:[?#].*)?$/);
    await waitHydrated(page);
  });

  await test.step('onboarding step 1: workspace', async () => {
    const name = page.getByLabel('Workspace name', { exact: true });
    await expect(name).toBeVisible();
    await name.fill(workspaceName);
    await page.getByLabel('Slug', { exact: true }).fill(slug);
    await snap(page, testInfo, '02-onboarding-workspace.png');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
  });

  await test.step('onboarding step 2: time zone', async () => {
    // By role, not getByLabel: a <label> wrapping a <select> has the option texts in its text.
    const timeZone = page.getByRole('combobox', { name: 'Time zone', exact: true });
    await expect(timeZone).toBeVisible();
    await timeZone.selectOption('Africa/Nairobi');
    await expect(timeZone).toHaveValue('Africa/Nairobi');
    await snap(page, testInfo, '03-onboarding-time-zone.png');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
  });

  await test.step('onboarding step 3: use case', async () => {
    for (const option of ['Agency', 'Sales team', 'Small business', 'Other']) {
      await expect(page.getByRole('radio', { name: option, exact: true })).toBeVisible();
    }
    const agency = page.getByRole('radio', { name: 'Agency', exact: true });
    await agency.check();
    await expect(agency).toBeChecked();
    await snap(page, testInfo, '04-onboarding-use-case.png');
    await page.getByRole('button', { name: 'Finish', exact: true }).click();
  });

  await test.step('dashboard', async () => {
    await expect(page).toHaveURL(dashboardUrl);
    await waitHydrated(page);
    await expect(dashboardHeading).toBeVisible();
    // The "Members" card: the innermost element holding both the label "Members" and the value "1".
    const membersCard = page
      .locator(':is(article, section, div, li, dl, a)')
      .filter({ has: page.getByText('Members', { exact: true }) })
      .filter({ has: page.getByText('1', { exact: true }) })
      .last();
    await expect(membersCard).toBeVisible();
    await expect(membersCard).toHaveText(/Members\s*1(?!\d)|(?<!\d)1\s*Members/);
    await snap(page, testInfo, '05-dashboard.png');
  });

  await test.step('moving between pages keeps the workspace shell', async () => {
    // Each page's route renders the workspace layout afresh; the shell it shows comes from the
    // `/w/:slug` route, which loaded it once, so a page change does not ask the server again.
    const shellLoads: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/load_shell')) shellLoads.push(request.url());
    });
    // Nor does it show its loading state: before every frame the browser paints, the sidebar
    // must be in the page.
    await page.evaluate(() => {
      const w = window as unknown as { framesWithoutSidebar: number };
      w.framesWithoutSidebar = 0;
      const watch = () => {
        if (!document.querySelector('.sidebar')) w.framesWithoutSidebar += 1;
        requestAnimationFrame(watch);
      };
      requestAnimationFrame(watch);
    });
    const navigation = page.getByRole('complementary', { name: 'Main navigation' });
    const openNavigation = page.getByRole('button', { name: 'Open navigation', exact: true });
    const loadedBefore = new Set(wasmRequests.filter((p) => p.startsWith('/pkg/bundle/')).flatMap(bundleTokens));
    const requestsBefore = wasmRequests.length;
    for (const [link, heading] of [['Leads', 'Leads'], ['Dashboard', 'Dashboard']]) {
      if (await openNavigation.isVisible()) await openNavigation.click();
      await navigation.getByRole('link', { name: link, exact: true }).click();
      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Switch workspace' })).toContainText(workspaceName);
    }
    // The leads page's chunks came in one bundle without those loaded before; the dashboard's
    // were loaded already. Once shown, the lead list looks for a running check through a lazy
    // split of its own (`running_checks`), which is not part of the page's bundle.
    const later = wasmRequests.slice(requestsBefore);
    const routeBundles = later.filter((p) => bundleTokens(p).some((t) => /_route_view_\d+$/.test(t)));
    expect(routeBundles).toHaveLength(1);
    expect(later.filter((p) => !routeBundles.includes(p)).every((p) => bundleTokens(p).some((t) => t.startsWith('split_running_checks_')))).toBe(true);
    const leadsTokens = bundleTokens(routeBundles[0]);
    expect(leadsTokens.some((t) => t.startsWith('split___leads_route_view_'))).toBe(true);
    expect(leadsTokens.filter((t) => loadedBefore.has(t))).toEqual([]);
    await expect(page).toHaveURL(dashboardUrl);
    expect(shellLoads).toEqual([]);
    expect(
      await page.evaluate(() => (window as unknown as { framesWithoutSidebar: number }).framesWithoutSidebar),
    ).toBe(0);
  });

  await test.step('sign out', async () => {
    await page.getByRole('button', { name: 'User menu', exact: true }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page).toHaveURL(/\/login\/?(?:[?#].*)?$/);
    await waitHydrated(page);
  });

  await test.step('a wrong password is refused and the email is kept', async () => {
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(`${password}-wrong`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(
      page.getByRole('alert').filter({ hasText: 'Email or password is incorrect' }),
    ).toBeVisible();
    await expect(page.getByLabel('Email', { exact: true })).toHaveValue(email);
    await expect(page).toHaveURL(/\/login\/?(?:[?#].*)?$/);
    await snap(page, testInfo, '06-login-wrong-password.png');
  });

  await test.step('sign in', async () => {
    // Start from a fresh /login page, as a returning user would.
    await gotoHydrated(page, '/login');
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await snap(page, testInfo, '07-login.png');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page).toHaveURL(dashboardUrl);
    await waitHydrated(page);
    await expect(dashboardHeading).toBeVisible();
    await snap(page, testInfo, '08-dashboard-after-login.png');
  });

  await test.step('the session survives a full reload', async () => {
    await page.reload();
    await waitHydrated(page);
    await expect(page).toHaveURL(dashboardUrl);
    await expect(dashboardHeading).toBeVisible();
  });

  expect(pageErrors, 'uncaught errors in the page (e.g. a wasm panic)').toEqual([]);
});
