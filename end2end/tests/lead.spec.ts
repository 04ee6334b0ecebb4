import { expect, test } from '@playwright/test';
import { collectPageErrors, gotoHydrated, registerAndOnboard, snap, waitHydrated } from './support';

const CSV = [
  'Business,Phone,Website,City,Country,Manager',
  'Mama Mboga Ltd,0722 000 111,www.mboga.co.ke,Nairobi,Kenya,Wanjiku',
  'Baraka Hardware,+254 733 123 456,,Mombasa,Kenya,Amara',
].join('\n');

// The lead page as a sales person uses it: open a lead from the list, fix its phone (a bad
// number is refused on its field), tag it, add a custom field, move it along the pipeline, leave
// a note, book an appointment, convert it to a customer and follow the links both ways, find
// it by its flags in the list, then delete the other lead.
test('a lead is edited, moved along the pipeline, noted, converted and deleted', async ({ page }, testInfo) => {
  const project = testInfo.project.name;
  const stamp = Date.now();
  const slug = `lead-${stamp.toString(36)}-${project}`;
  const pageErrors = collectPageErrors(page);
  await registerAndOnboard(page, {
    name: `Seller ${project}`,
    email: `seller-${stamp}-${project}@example.com`,
    password: `Loom-${stamp.toString(36)}-Leads!42`,
    workspace: `Leads ${project}`,
    slug,
  });

  await test.step('import two leads', async () => {
    await gotoHydrated(page, `/w/${slug}/imports`);
    await page.locator('input[type="file"]').setInputFiles({ name: 'shops.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('button', { name: 'Start import' }).click();
    await expect(page.locator('.page-header .badge')).toHaveText('Completed', { timeout: 30_000 });
  });

  await test.step('open the lead from the list', async () => {
    await gotoHydrated(page, `/w/${slug}/leads`);
    await page.getByRole('link', { name: 'Mama Mboga Ltd', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Mama Mboga Ltd' })).toBeVisible();
    await expect(page.getByText('+254722000111 (KE, mobile)')).toBeVisible();
    await expect(page.locator('.timeline-entry').first()).toContainText('Imported from shops.csv');
    // The details read as saved; the form opens on "Edit details".
    const details = page.locator('.lead-details');
    await expect(details.locator('.detail', { hasText: 'Manager' })).toContainText('Wanjiku');
  });

  await test.step('edit: a bad phone is refused, then fixed', async () => {
    await page.getByRole('button', { name: 'Edit details' }).click();
    await page.getByLabel('Phone', { exact: true }).fill('12');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('#lead-phone-error')).toContainText('"12"');
    await snap(page, testInfo, '29-lead-edit.png');
    await page.getByLabel('Phone', { exact: true }).fill('0711 222 333');
    await page.getByLabel('Tags', { exact: true }).fill('vip, Nairobi');
    await page.getByRole('button', { name: 'Add a custom field' }).click();
    await page.getByRole('textbox', { name: 'Field name' }).last().fill('Floor');
    await page.getByRole('textbox', { name: 'Value of Floor' }).fill('2');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText('Lead saved.')).toBeVisible();
    // Saved: the form closes and the details show the new values.
    await expect(page.locator('form.lead-form')).toBeHidden();
    await expect(page.locator('.lead-details').getByText('+254711222333 (KE, mobile)')).toBeVisible();
    await expect(page.locator('.timeline-entry').first()).toContainText('Changed phone, custom fields, tags');
  });

  await test.step('stage and note', async () => {
    await page.getByRole('button', { name: 'Qualified', exact: true }).click();
    await expect(page.getByText('Moved to Qualified.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Qualified', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(page.locator('.timeline-entry').first()).toContainText('New → Qualified');
    await page.getByLabel('New note').fill('Called: wants a quote by Friday.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect(page.locator('.note-body')).toHaveText('Called: wants a quote by Friday.');
  });

  await test.step('book an appointment, on the workspace clock', async () => {
    const appointment = page.getByTestId('lead-appointment');
    await expect(appointment).toContainText('No appointment booked');
    await appointment.getByRole('button', { name: 'Book an appointment' }).click();
    await appointment.getByRole('button', { name: 'Save appointment' }).click();
    await expect(page.locator('#appointment-at-error')).toHaveText('Pick a date and a time.');
    await page.getByLabel(/^Appointment/).fill('2027-01-12T10:30');
    await appointment.getByRole('button', { name: 'Save appointment' }).click();
    await expect(page.getByText('Appointment set for Tue 12 Jan 10:30.')).toBeVisible();
    await expect(appointment).toContainText('Tue 12 Jan 10:30');
    await expect(page.locator('.timeline-entry').first()).toContainText('Booked for Tue 12 Jan 2027 10:30');
    await snap(page, testInfo, '30-lead.png');
  });

  await test.step('what was saved survives a reload', async () => {
    await page.reload();
    await waitHydrated(page);
    const details = page.locator('.lead-details');
    await expect(details.locator('.detail', { hasText: 'Tags' })).toContainText('Nairobi, vip');
    await expect(details.locator('.detail', { hasText: 'Floor' })).toContainText('2');
    await expect(page.locator('.note-body')).toHaveText('Called: wants a quote by Friday.');
    await expect(page.getByTestId('lead-appointment')).toContainText('Tue 12 Jan 10:30');
  });

  await test.step('convert to customer, linked both ways', async () => {
    await page.getByRole('button', { name: 'Convert to customer' }).click();
    await expect(page).toHaveURL(new RegExp(`/w/${slug}/customers/[0-9a-f-]{36}$`));
    await expect(page.getByRole('heading', { level: 1, name: 'Mama Mboga Ltd' })).toBeVisible();
    await expect(page.getByText('+254711222333')).toBeVisible();
    await snap(page, testInfo, '31-customer.png');
    await page.getByRole('link', { name: 'Lead: Mama Mboga Ltd' }).click();
    await expect(page.getByRole('button', { name: 'Converted', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByRole('link', { name: 'Customer: Mama Mboga Ltd' })).toBeVisible();
    await expect(page.getByTestId('lead-engagement')).toContainText('converted');
    await gotoHydrated(page, `/w/${slug}/customers`);
    await expect(page.getByText('1 customers')).toBeVisible();
    await snap(page, testInfo, '32-customers.png');
  });

  await test.step('the list filters by the outcome flags', async () => {
    await gotoHydrated(page, `/w/${slug}/leads?appointment=yes`);
    await expect(page.locator('table.leads tbody tr')).toHaveCount(1);
    await expect(page.locator('table.leads tbody tr .badge-appointment')).toHaveText('Appt 12 Jan');
    await expect(page.locator('#appointment')).toHaveValue('yes');
    await gotoHydrated(page, `/w/${slug}/leads?converted=no`);
    await expect(page.locator('table.leads tbody tr')).toHaveCount(1);
    await expect(page.getByRole('link', { name: 'Baraka Hardware', exact: true })).toBeVisible();
  });

  await test.step('delete, with a confirmation', async () => {
    await gotoHydrated(page, `/w/${slug}/leads`);
    await page.getByRole('link', { name: 'Baraka Hardware', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Baraka Hardware' })).toBeVisible();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(page.getByRole('alertdialog')).toContainText('cannot be undone');
    await page.getByRole('button', { name: 'Delete the lead' }).click();
    await expect(page.getByText('Lead deleted.')).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`/w/${slug}/leads$`));
    await expect(page.getByText('1 leads')).toBeVisible();
  });

  expect(pageErrors, 'no uncaught errors in the page').toEqual([]);
});
