//! The lead list's filter form: a GET form, so the filter lives in the URL (shareable,
//! reloadable, and what segments link to). The common filters are always shown; the rest
//! fold away under "More filters" and open by themselves when one is set.

use crate::components::form::GetForm;
use leptos::prelude::*;
use shared::leads::{LeadQuery, LeadSort, Stage, WebsiteStatus, WhatsappStatus};

/// A text input bound to one of the query's parameters.
fn text_field(
    current: Memo<LeadQuery>,
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    get: fn(&LeadQuery) -> String,
) -> impl IntoView {
    let id = format!("filter-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=name type=kind prop:value=move || current.with(get) />
        </div>
    }
}

/// An "Any / yes / no" select bound to one of the query's parameters; `[yes, no]` name the
/// two choices.
fn yes_no_field(
    current: Memo<LeadQuery>,
    name: &'static str,
    label: &'static str,
    [yes, no]: [&'static str; 2],
    get: fn(&LeadQuery) -> String,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <select id=name name=name prop:value=move || current.with(get)>
                <option value="">"Any"</option>
                <option value="yes">{yes}</option>
                <option value="no">{no}</option>
            </select>
        </div>
    }
}

#[component]
pub fn FilterForm(
    /// The list's own URL, `/w/{slug}/leads`.
    base: String,
    /// The parameters in the URL now.
    current: Memo<LeadQuery>,
) -> impl IntoView {
    let more_set = move || {
        current.with(|c| {
            [
                &c.whatsapp_status,
                &c.country,
                &c.category,
                &c.opted_out,
                &c.created_from,
                &c.created_to,
                &c.messaged,
                &c.replied,
                &c.quiet_days,
                &c.appointment,
                &c.converted,
            ]
            .iter()
            .any(|v| !v.trim().is_empty())
        })
    };
    view! {
        <GetForm action=base.clone()>
            <div class="card filters">
                <div class="filter-row">
                    <div class="field grow">
                        <label for="q">"Search"</label>
                        <input id="q" name="q" type="search" placeholder="Name, phone or email" prop:value=move || current.with(|c| c.q.clone()) />
                    </div>
                    <div class="field">
                        <label for="website_status">"Website"</label>
                        <select id="website_status" name="website_status" prop:value=move || current.with(|c| c.website_status.clone())>
                            <option value="">"Any"</option>
                            {WebsiteStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="stage">"Stage"</label>
                        <select id="stage" name="stage" prop:value=move || current.with(|c| c.stage.clone())>
                            <option value="">"Any"</option>
                            {Stage::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    {text_field(current, "tag", "Tag", "text", |c| c.tag.clone())}
                    {text_field(current, "city", "City", "text", |c| c.city.clone())}
                    <div class="field">
                        <label for="sort">"Sort"</label>
                        <select id="sort" name="sort" prop:value=move || current.with(|c| LeadSort::parse(&c.sort).unwrap_or_default().as_str())>
                            {LeadSort::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                <details class="more-filters" prop:open=more_set>
                    <summary>"More filters"</summary>
                    <div class="filter-row">
                        <div class="field">
                            <label for="whatsapp_status">"WhatsApp"</label>
                            <select id="whatsapp_status" name="whatsapp_status" prop:value=move || current.with(|c| c.whatsapp_status.clone())>
                                <option value="">"Any"</option>
                                {WhatsappStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                            </select>
                        </div>
                        {text_field(current, "country", "Country", "text", |c| c.country.clone())}
                        {text_field(current, "category", "Category", "text", |c| c.category.clone())}
                        {yes_no_field(current, "opted_out", "Opted out", ["Opted out", "Not opted out"], |c| c.opted_out.clone())}
                        {yes_no_field(current, "messaged", "Messaged", ["Messaged", "Never messaged"], |c| c.messaged.clone())}
                        {yes_no_field(current, "replied", "Answered", ["Answered", "Never answered"], |c| c.replied.clone())}
                        {yes_no_field(current, "appointment", "Appointment", ["Booked", "None booked"], |c| c.appointment.clone())}
                        {yes_no_field(current, "converted", "Converted", ["Converted", "Not converted"], |c| c.converted.clone())}
                        <div class="field">
                            <label for="quiet_days">"Not messaged in (days)"</label>
                            <input id="quiet_days" name="quiet_days" type="number" min="1" max=shared::leads::MAX_QUIET_DAYS.to_string()
                                inputmode="numeric" prop:value=move || current.with(|c| c.quiet_days.clone()) />
                        </div>
                        {text_field(current, "created_from", "Created from", "date", |c| c.created_from.clone())}
                        {text_field(current, "created_to", "Created to", "date", |c| c.created_to.clone())}
                    </div>
                </details>
                <input type="hidden" name="import" prop:value=move || current.with(|c| c.import.clone()) />
                <div class="filter-actions">
                    <button type="submit" class="btn btn-primary">"Apply"</button>
                    <a class="btn btn-link" href=base>"Clear"</a>
                </div>
            </div>
        </GetForm>
    }
}
