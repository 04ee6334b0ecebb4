//! The wizard's Recipients step: who the campaign goes to — a saved segment, a filter built
//! here, pasted numbers (or a .csv/.txt file read into the box), or leads ticked on the lead
//! list — the "skip recently contacted" rule, and a live count of who it reaches and who it
//! leaves out, and why.

use super::wizard::{FieldErr, NumberField, Wizard};
use crate::api::ApiError;
use crate::api::campaigns::count_campaign_audience;
use crate::api::leads::imports;
use crate::api::resource::resource;
use crate::components::effect::effect;
use crate::components::time::sleep_ms;
use crate::pages::workspace::imports::grouped;
use chrono::NaiveDate;
use leptos::prelude::*;
use shared::campaigns::{Audience, AudienceCount, AudienceSource, MAX_PASTED_NUMBERS};
use shared::leads::{
    LeadFilter, MAX_QUIET_DAYS, Stage, WebsiteStatus, WhatsappStatus, read_yes_no, yes_no_text,
};
use shared::segments::SegmentEntry;
use uuid::Uuid;

/// How long the count waits after a change before asking the server.
const COUNT_DELAY_MS: u32 = 400;

/// The sources the radio offers (leads only when the wizard was opened with some).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Segment,
    Filter,
    Numbers,
    Leads,
}

fn kind_of(source: &AudienceSource) -> Kind {
    match source {
        AudienceSource::Segment(_) => Kind::Segment,
        AudienceSource::Filter(_) => Kind::Filter,
        AudienceSource::Numbers(_) => Kind::Numbers,
        AudienceSource::Leads(_) => Kind::Leads,
    }
}

/// What the other sources held, so switching back and forth loses nothing.
#[derive(Clone, Default)]
struct Kept {
    segment: Option<Uuid>,
    filter: LeadFilter,
    numbers: String,
    leads: Vec<Uuid>,
}

impl Kept {
    fn keep(&mut self, source: &AudienceSource) {
        match source {
            AudienceSource::Segment(id) => self.segment = Some(*id),
            AudienceSource::Filter(f) => self.filter = f.clone(),
            AudienceSource::Numbers(n) => self.numbers = n.clone(),
            AudienceSource::Leads(ids) => self.leads = ids.clone(),
        }
    }

    fn source(&self, kind: Kind, segments: &[SegmentEntry]) -> AudienceSource {
        match kind {
            Kind::Segment => AudienceSource::Segment(
                self.segment
                    .or_else(|| segments.first().map(|s| s.id))
                    .unwrap_or_default(),
            ),
            Kind::Filter => AudienceSource::Filter(self.filter.clone()),
            Kind::Numbers => AudienceSource::Numbers(self.numbers.clone()),
            Kind::Leads => AudienceSource::Leads(self.leads.clone()),
        }
    }
}

#[component]
pub fn RecipientsStep(wiz: Wizard, segments: Vec<SegmentEntry>) -> impl IntoView {
    let workspace = wiz.workspace;
    let audience = Memo::new(move |_| wiz.form.with(|f| f.audience.clone()));
    let kind = Memo::new(move |_| audience.with(|a| kind_of(&a.source)));
    let kept = StoredValue::new({
        let mut kept = Kept::default();
        audience.with_untracked(|a| kept.keep(&a.source));
        kept
    });
    let had_leads = audience.with_untracked(|a| matches!(a.source, AudienceSource::Leads(_)));
    let segments = StoredValue::new(segments);
    let choose = move |next: Kind| {
        if kind.get_untracked() == next {
            return;
        }
        let source = kept.with_value(|k| segments.with_value(|s| k.source(next, s)));
        wiz.update("audience", |f| {
            kept.update_value(|k| k.keep(&f.audience.source));
            f.audience.source = source;
        });
    };

    // The live count follows the audience, debounced.
    let count = RwSignal::new(None::<Result<AudienceCount, ApiError>>);
    let counting = RwSignal::new(false);
    let generation = StoredValue::new(0u32);
    effect(move || {
        let audience: Audience = audience.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let empty = match &audience.source {
            AudienceSource::Numbers(text) => text.trim().is_empty(),
            AudienceSource::Leads(ids) => ids.is_empty(),
            AudienceSource::Segment(id) => id.is_nil(),
            AudienceSource::Filter(_) => false,
        };
        if empty {
            count.set(None);
            counting.set(false);
            return;
        }
        counting.set(true);
        leptos::task::spawn_local(async move {
            sleep_ms(COUNT_DELAY_MS).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            let result = count_campaign_audience(workspace, audience).await;
            if generation.try_get_value() == Some(mine) {
                count.set(Some(result));
                counting.set(false);
            }
        });
    });

    let radio = move |value: Kind, label: &'static str, hint: &'static str| {
        view! {
            <label class="choice">
                <input type="radio" name="audience_source" prop:checked=move || kind.get() == value
                    on:change=move |_| choose(value) />
                <span class="choice-label">{label}</span>
                <span class="choice-hint">{hint}</span>
            </label>
        }
    };

    view! {
        <div class="form wizard-form recipients-step">
            <fieldset class="field">
                <legend>"Send to"</legend>
                <div class="choice-group audience-choices">
                    {had_leads.then(|| radio(Kind::Leads, "The leads you chose", "Ticked on the lead list."))}
                    {radio(Kind::Filter, "Leads matching a filter", "By website or WhatsApp status, stage, place, category, tag, import or what happened so far.")}
                    {radio(Kind::Segment, "A saved segment", "Read again when the campaign starts, so new matching leads are included.")}
                    {radio(Kind::Numbers, "Pasted numbers", "A list of phone numbers, matched to your leads.")}
                </div>
            </fieldset>
            {move || match kind.get() {
                Kind::Segment => view! { <SegmentPicker wiz segments=segments.get_value() /> }.into_any(),
                Kind::Filter => view! { <FilterEditor wiz /> }.into_any(),
                Kind::Numbers => view! { <NumbersBox wiz /> }.into_any(),
                Kind::Leads => {
                    let n = audience.with_untracked(|a| match &a.source {
                        AudienceSource::Leads(ids) => ids.len(),
                        _ => 0,
                    });
                    view! {
                        <p class="muted">{format!("{} lead{} chosen on the lead list.", grouped(n as u64), if n == 1 { "" } else { "s" })}</p>
                    }.into_any()
                }
            }}
            <FieldErr wiz field="audience" id="campaign-audience-error".to_owned() />
            <NumberField wiz field="skip_contacted_within_days" label="Skip leads contacted in the last … days"
                placeholder="Off" min=1 max=3650u32
                hint="Leaves out leads any campaign messaged within that many days. Empty: off."
                get=|f| f.audience.skip_contacted_within_days
                set=|f, v| f.audience.skip_contacted_within_days = v.filter(|d| *d > 0) />
            <section class="audience-count card-inset" aria-live="polite" aria-busy=move || counting.get().to_string()
                aria-labelledby="audience-count-title">
                <h3 id="audience-count-title">"Recipients"</h3>
                {move || match count.get() {
                    None if counting.get() => view! { <p class="muted">"Counting…"</p> }.into_any(),
                    None => view! { <p class="muted">"Choose who to send to and the count appears here."</p> }.into_any(),
                    Some(Err(e)) => view! {
                        <p class="field-error">{e.field_message("audience").or_else(|| e.form_message()).unwrap_or_else(|| e.to_string())}</p>
                    }.into_any(),
                    Some(Ok(c)) => view! { <CountView count=c /> }.into_any(),
                }}
            </section>
        </div>
    }
}

#[component]
fn CountView(count: AudienceCount) -> impl IntoView {
    let lines = [
        ("Opted out", count.opted_out),
        ("Invalid phone", count.invalid_phone),
        ("Not on WhatsApp", count.not_on_whatsapp),
        ("Already messaged", count.already_messaged),
        ("Duplicate numbers", count.duplicates),
        ("Numbers that are no lead's", count.unmatched_numbers),
    ];
    view! {
        <p class="audience-eligible">
            <strong class="audience-number">{grouped(count.eligible)}</strong>
            {if count.eligible == 1 { " lead will receive it" } else { " leads will receive it" }}
            <span class="muted">{format!(" · {} matched", grouped(count.matched))}</span>
        </p>
        <ul class="audience-exclusions">
            {lines.into_iter().map(|(label, n)| view! {
                <li class:zero={n == 0}>
                    <span>{label}</span>
                    <span class="num">{grouped(n)}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[component]
fn SegmentPicker(wiz: Wizard, segments: Vec<SegmentEntry>) -> impl IntoView {
    if segments.is_empty() {
        return view! {
            <p class="muted">"No saved segment yet: filter the lead list and save the filter as a segment, or build a filter here."</p>
        }
        .into_any();
    }
    let current = Memo::new(move |_| {
        wiz.form.with(|f| match &f.audience.source {
            AudienceSource::Segment(id) => Some(*id),
            _ => None,
        })
    });
    view! {
        <div class="field">
            <label for="campaign-segment">"Segment"</label>
            <select id="campaign-segment" name="segment"
                prop:value=move || current.get().map(|id| id.to_string()).unwrap_or_default()
                on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse::<Uuid>() {
                        wiz.update("audience", |f| f.audience.source = AudienceSource::Segment(id));
                    }
                }>
                {segments.into_iter().map(|s| {
                    let id = s.id;
                    view! {
                        <option value=id.to_string() selected=move || current.get() == Some(id)>
                            {format!("{} ({} leads)", s.name, grouped(s.count))}
                        </option>
                    }
                }).collect_view()}
            </select>
        </div>
    }
    .into_any()
}

/// Changes the filter in the form (when the source is a filter).
fn edit_filter(wiz: Wizard, change: impl FnOnce(&mut LeadFilter)) {
    wiz.update("audience", |f| {
        if let AudienceSource::Filter(filter) = &mut f.audience.source {
            change(filter);
        }
    });
}

fn toggle<T: PartialEq + Copy>(list: &mut Vec<T>, value: T, on: bool) {
    list.retain(|v| *v != value);
    if on {
        list.push(value);
    }
}

#[component]
fn FilterEditor(wiz: Wizard) -> impl IntoView {
    let filter = Memo::new(move |_| {
        wiz.form.with(|f| match &f.audience.source {
            AudienceSource::Filter(filter) => filter.clone(),
            _ => LeadFilter::default(),
        })
    });
    let initial = filter.get_untracked();
    let text_input = move |id: &'static str,
                           label: &'static str,
                           value: Option<String>,
                           set: fn(&mut LeadFilter, Option<String>)| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id name=id value=value.unwrap_or_default() autocomplete="off"
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        let text = (!text.trim().is_empty()).then(|| text.trim().to_owned());
                        edit_filter(wiz, |f| set(f, text));
                    } />
            </div>
        }
    };
    view! {
        <div class="filter-editor">
            <fieldset class="field">
                <legend>"Website"</legend>
                <div class="day-list">
                    {WebsiteStatus::ALL.into_iter().map(|s| view! {
                        <label class="day">
                            <input type="checkbox" name="website_status" value=s.as_str()
                                prop:checked=move || filter.with(|f| f.website_status.contains(&s))
                                on:change=move |ev| { let on = event_target_checked(&ev); edit_filter(wiz, |f| toggle(&mut f.website_status, s, on)); } />
                            {s.label()}
                        </label>
                    }).collect_view()}
                </div>
            </fieldset>
            <fieldset class="field">
                <legend>"WhatsApp"</legend>
                <div class="day-list">
                    {WhatsappStatus::ALL.into_iter().map(|s| view! {
                        <label class="day">
                            <input type="checkbox" name="whatsapp_status" value=s.as_str()
                                prop:checked=move || filter.with(|f| f.whatsapp_status.contains(&s))
                                on:change=move |ev| { let on = event_target_checked(&ev); edit_filter(wiz, |f| toggle(&mut f.whatsapp_status, s, on)); } />
                            {s.label()}
                        </label>
                    }).collect_view()}
                </div>
            </fieldset>
            <fieldset class="field">
                <legend>"Stage"</legend>
                <div class="day-list">
                    {Stage::ALL.into_iter().map(|s| view! {
                        <label class="day">
                            <input type="checkbox" name="stage" value=s.as_str()
                                prop:checked=move || filter.with(|f| f.stage.contains(&s))
                                on:change=move |ev| { let on = event_target_checked(&ev); edit_filter(wiz, |f| toggle(&mut f.stage, s, on)); } />
                            {s.label()}
                        </label>
                    }).collect_view()}
                </div>
            </fieldset>
            <p class="field-hint">"Nothing ticked in a group means any."</p>
            <div class="grid-2">
                {text_input("filter-country", "Country", initial.country, |f, v| f.country = v)}
                {text_input("filter-city", "City", initial.city, |f, v| f.city = v)}
                {text_input("filter-category", "Category", initial.category, |f, v| f.category = v)}
                {text_input("filter-tag", "Tag", initial.tag, |f, v| f.tag = v)}
            </div>
            <MoreFilters wiz filter />
            <p class="muted small">{move || {
                let summary = filter.with(LeadFilter::summary);
                if summary.is_empty() { "Every lead in the workspace.".to_owned() } else { format!("Leads with {summary}.") }
            }}</p>
        </div>
    }
}

/// The filters a campaign narrows by less often — the import the leads came from, when they
/// were added, and what happened with them so far — folded away until one is set, like the
/// lead list's.
#[component]
fn MoreFilters(wiz: Wizard, filter: Memo<LeadFilter>) -> impl IntoView {
    let workspace = wiz.workspace;
    let zone = super::workspace_zone();
    let imports = resource(move || workspace, imports);
    let initial = filter.get_untracked();
    let opened = initial.import_id.is_some()
        || initial.created_from.is_some()
        || initial.created_to.is_some()
        || initial.quiet_days.is_some()
        || [
            initial.messaged,
            initial.replied,
            initial.appointment,
            initial.converted,
        ]
        .iter()
        .any(Option::is_some);
    let yes_no = move |id: &'static str,
                       label: &'static str,
                       [yes, no]: [&'static str; 2],
                       get: fn(&LeadFilter) -> Option<bool>,
                       set: fn(&mut LeadFilter, Option<bool>)| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id name=id prop:value=move || filter.with(|f| yes_no_text(get(f)))
                    on:change=move |ev| {
                        let value = read_yes_no(&event_target_value(&ev)).flatten();
                        edit_filter(wiz, |f| set(f, value));
                    }>
                    <option value="">"Any"</option>
                    <option value="yes">{yes}</option>
                    <option value="no">{no}</option>
                </select>
            </div>
        }
    };
    let date = move |id: &'static str,
                     label: &'static str,
                     get: fn(&LeadFilter) -> Option<NaiveDate>,
                     set: fn(&mut LeadFilter, Option<NaiveDate>)| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id name=id type="date"
                    prop:value=move || filter.with(|f| get(f).map(|d| d.to_string()).unwrap_or_default())
                    on:change=move |ev| {
                        let value = shared::dates::parse_date(&event_target_value(&ev));
                        edit_filter(wiz, |f| set(f, value));
                    } />
            </div>
        }
    };
    view! {
        <details class="more-filters" open=opened>
            <summary>"More filters"</summary>
            <div class="grid-2">
                <div class="field">
                    <label for="filter-import">"Import"</label>
                    <Suspense fallback=|| view! { <select id="filter-import" disabled=true><option>"Loading…"</option></select> }>
                        {move || {
                            let zone = zone.clone();
                            Suspend::new(async move {
                                // Without the list the choice cannot be made, but the rest of the
                                // filter still can: the select keeps only "Any".
                                let rows = imports.await.unwrap_or_default();
                                view! {
                                    <select id="filter-import" name="import"
                                        prop:value=move || filter.with(|f| f.import_id.map(|id| id.to_string()).unwrap_or_default())
                                        on:change=move |ev| {
                                            let value = event_target_value(&ev).parse::<Uuid>().ok();
                                            edit_filter(wiz, |f| f.import_id = value);
                                        }>
                                        <option value="">"Any import"</option>
                                        {rows.into_iter().map(|r| {
                                            let label = format!(
                                                "{} · {} · {} lead{}",
                                                r.file_name,
                                                zone.date_time(r.created_at),
                                                grouped(u64::from(r.imported)),
                                                if r.imported == 1 { "" } else { "s" },
                                            );
                                            let id = r.id;
                                            view! {
                                                <option value=id.to_string()
                                                    selected=move || filter.with(|f| f.import_id == Some(id))>{label}</option>
                                            }
                                        }).collect_view()}
                                    </select>
                                }
                            })
                        }}
                    </Suspense>
                </div>
                <div class="field">
                    <label for="filter-quiet-days">"Not messaged in (days)"</label>
                    <input id="filter-quiet-days" name="quiet_days" type="number" min="1"
                        max=MAX_QUIET_DAYS.to_string() inputmode="numeric" placeholder="Any"
                        prop:value=move || filter.with(|f| f.quiet_days.map(|d| d.to_string()).unwrap_or_default())
                        on:input=move |ev| {
                            let value = event_target_value(&ev)
                                .trim()
                                .parse::<u32>()
                                .ok()
                                .filter(|d| (1..=MAX_QUIET_DAYS).contains(d));
                            edit_filter(wiz, |f| f.quiet_days = value);
                        } />
                </div>
                {date("filter-created-from", "Added from", |f| f.created_from, |f, v| f.created_from = v)}
                {date("filter-created-to", "Added to", |f| f.created_to, |f, v| f.created_to = v)}
                {yes_no("filter-messaged", "Messaged", ["Messaged", "Never messaged"], |f| f.messaged, |f, v| f.messaged = v)}
                {yes_no("filter-replied", "Answered", ["Answered", "Never answered"], |f| f.replied, |f, v| f.replied = v)}
                {yes_no("filter-appointment", "Appointment", ["Booked", "None booked"], |f| f.appointment, |f, v| f.appointment = v)}
                {yes_no("filter-converted", "Converted", ["Converted", "Not converted"], |f| f.converted, |f, v| f.converted = v)}
            </div>
        </details>
    }
}

#[component]
fn NumbersBox(wiz: Wizard) -> impl IntoView {
    let text = Memo::new(move |_| {
        wiz.form.with(|f| match &f.audience.source {
            AudienceSource::Numbers(text) => text.clone(),
            _ => String::new(),
        })
    });
    let set = move |value: String| {
        wiz.update("audience", |f| {
            f.audience.source = AudienceSource::Numbers(value)
        });
    };
    let file_error = RwSignal::new(None::<String>);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let on_file = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            use wasm_bindgen::closure::Closure;
            file_error.set(None);
            let Some(input) = file_input.get() else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            // A list of numbers is small; anything big is not one.
            if file.size() > 2_000_000.0 {
                file_error.set(Some(format!(
                    "{} is over 2 MB; paste the numbers instead.",
                    file.name()
                )));
                return;
            }
            let Ok(reader) = web_sys::FileReader::new() else {
                return;
            };
            let name = file.name();
            let done = reader.clone();
            let onload = Closure::once_into_js(move || {
                match done.result().ok().and_then(|r| r.as_string()) {
                    Some(content) => set(content),
                    None => file_error.set(Some(format!("Could not read {name} as text."))),
                }
            });
            reader.set_onload(Some(onload.unchecked_ref()));
            if reader.read_as_text(&file).is_err() {
                file_error.set(Some("Could not read the file.".to_owned()));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (file_input, set);
    };
    let lines = Memo::new(move |_| {
        text.with(|t| {
            t.split(['\n', ',', ';'])
                .filter(|l| !l.trim().is_empty())
                .count()
        })
    });
    view! {
        <div class="field" class:field-invalid=move || wiz.error("audience").is_some()>
            <label for="campaign-numbers">"Phone numbers"</label>
            <textarea id="campaign-numbers" name="numbers" rows="8" placeholder="+254712345678\n+254733555777"
                aria-describedby="campaign-audience-error"
                prop:value=move || text.get() on:input=move |ev| set(event_target_value(&ev))></textarea>
            <p class="field-hint">
                {move || format!("{} of at most {} numbers · one per line, or separated by commas. Numbers that are none of your leads are left out.", grouped(lines.get() as u64), grouped(MAX_PASTED_NUMBERS as u64))}
            </p>
            <label class="btn btn-small attach-button numbers-file">
                <input type="file" class="sr-only" accept=".csv,.txt,text/csv,text/plain" node_ref=file_input on:change=on_file />
                "Read a .csv or .txt file"
            </label>
            <p class="field-error" role="alert">{move || file_error.get()}</p>
        </div>
    }
}
