import { defineConfig } from '@playwright/test';

// End-to-end tests run in Debian's Chromium (/usr/bin/chromium) against an already running
// LeadLoom server. `bash .ci/test` starts one on 127.0.0.1:3900 and sets BASE_URL;
// `cargo leptos end2end` serves on the default 127.0.0.1:3000.
// Never run `npx playwright install`: no browser is downloaded.
const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  testDir: './tests',
  outputDir: 'test-results',
  workers: 1,
  // On CI a failed test runs once more (a fresh account and workspace each time): the report
  // still lists it as "flaky", named, and a test that fails twice fails the run.
  retries: process.env.CI ? 1 : 0,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  // One test walks the whole register → onboarding → dashboard → sign out → sign in flow.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL,
    browserName: 'chromium',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    {
      name: 'desktop',
      use: { viewport: { width: 1280, height: 800 } },
    },
    {
      name: 'phone',
      use: { viewport: { width: 390, height: 844 }, isMobile: false, hasTouch: true },
    },
  ],
});
