//! The wizard's Strategy step: the send order, pace, random delays, cooldowns, daily caps,
//! working hours, auto-pause, retries and when to drop a failing sender — each checked as you
//! type — and the senders the campaign sends from, with their caps and state.

use super::wizard::{FieldErr, NumberField, Wizard};
use crate::components::show::show;
use crate::pages::workspace::imports::grouped;
use chrono::NaiveTime;
use leptos::prelude::*;
use shared::campaigns::strategy::{MAX_FAILURE_WINDOW, MAX_PAUSE_S, MAX_PER_MINUTE, MAX_RETRIES};
use shared::campaigns::{CampaignForm, SendOrder, WorkingHours};
use shared::whatsapp::SenderDto;
use shared::workspaces::WorkingDays;
use uuid::Uuid;

fn order_value(order: SendOrder) -> &'static str {
    match order {
        SendOrder::Sequential => "sequential",
        SendOrder::Random => "random",
        SendOrder::RoundRobin => "round_robin",
        SendOrder::HealthBalanced => "health_balanced",
        SendOrder::Burst => "burst",
    }
}

fn edit_hours(form: &mut CampaignForm, change: impl FnOnce(&mut WorkingHours)) {
    if let Some(hours) = form.strategy.working_hours.as_mut() {
        change(hours);
    }
}

#[component]
pub fn StrategyStep(
    wiz: Wizard,
    senders: Vec<SenderDto>,
    /// The workspace's working hours: what ticking "working hours" starts from.
    working_hours: WorkingHours,
) -> impl IntoView {
    let order = Memo::new(move |_| wiz.form.with(|f| f.strategy.order));
    let burst = Memo::new(move |_| order.get() == SendOrder::Burst);
    let cooldowns = Memo::new(move |_| wiz.form.with(|f| f.strategy.cooldown_every.is_some()));
    let retries = Memo::new(move |_| wiz.form.with(|f| f.strategy.max_retries));
    let hours = Memo::new(move |_| wiz.form.with(|f| f.strategy.working_hours));
    let daily_cap = Memo::new(move |_| wiz.form.with(|f| f.strategy.respect_daily_cap));
    let chosen = Memo::new(move |_| wiz.form.with(|f| f.sender_ids.clone()));
    let time_input = move |field: &'static str,
                           label: &'static str,
                           get: fn(&WorkingHours) -> NaiveTime,
                           set: fn(&mut WorkingHours, NaiveTime)| {
        let id = format!("campaign-{field}");
        let error_id = format!("{id}-error");
        let initial = hours
            .get_untracked()
            .map(|h| shared::dates::time(&get(&h)))
            .unwrap_or_default();
        view! {
            <div class="field" class:field-invalid=move || wiz.error(field).is_some()>
                <label for=id.clone()>{label}</label>
                <input id=id name=field type="time" value=initial aria-describedby=error_id.clone()
                    on:input=move |ev| {
                        if let Some(t) = shared::dates::parse_time(&event_target_value(&ev)) {
                            wiz.update(field, |f| edit_hours(f, |h| set(h, t)));
                        }
                    } />
                <FieldErr wiz field=field id=error_id />
            </div>
        }
    };

    view! {
        <div class="form wizard-form strategy-step">
            <div class="field">
                <label for="campaign-order">"Order"</label>
                <select id="campaign-order" name="order" prop:value=move || order_value(order.get())
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(o) = SendOrder::ALL.into_iter().find(|o| order_value(*o) == value) {
                            wiz.update("order", |f| f.strategy.order = o);
                        }
                    }>
                    {SendOrder::ALL.into_iter().map(|o| view! {
                        <option value=order_value(o) selected=move || order.get() == o>{o.label()}</option>
                    }).collect_view()}
                </select>
                <p class="field-hint">{move || order.get().hint()}</p>
            </div>
            {show(move || !burst.get(), move || view! {
                <fieldset class="field strategy-group">
                    <legend>"Pace"</legend>
                    <div class="grid-3">
                        <NumberField wiz field="messages_per_minute" label="Messages per minute (per sender)" placeholder="No limit"
                            min=1 max=MAX_PER_MINUTE hint="Empty: only the delays pace it."
                            get=|f| f.strategy.messages_per_minute set=|f, v| f.strategy.messages_per_minute = v />
                        <NumberField wiz field="delay_min_s" label="Shortest delay (s)" max=MAX_PAUSE_S
                            get=|f| Some(f.strategy.delay_min_s) set=|f, v| f.strategy.delay_min_s = v.unwrap_or(0) />
                        <NumberField wiz field="delay_max_s" label="Longest delay (s)" max=MAX_PAUSE_S
                            get=|f| Some(f.strategy.delay_max_s) set=|f, v| f.strategy.delay_max_s = v.unwrap_or(0) />
                    </div>
                    <div class="grid-3">
                        <NumberField wiz field="cooldown_every" label="Cool down every … messages" placeholder="Never" min=1
                            get=|f| f.strategy.cooldown_every set=|f, v| f.strategy.cooldown_every = v />
                        {show(move || cooldowns.get(), move || view! {
                            <NumberField wiz field="cooldown_min_s" label="Shortest cooldown (s)" max=MAX_PAUSE_S
                                get=|f| Some(f.strategy.cooldown_min_s) set=|f, v| f.strategy.cooldown_min_s = v.unwrap_or(0) />
                            <NumberField wiz field="cooldown_max_s" label="Longest cooldown (s)" max=MAX_PAUSE_S
                                get=|f| Some(f.strategy.cooldown_max_s) set=|f, v| f.strategy.cooldown_max_s = v.unwrap_or(0) />
                        }.into_any())}
                    </div>
                </fieldset>
            }.into_any())}
            <fieldset class="field strategy-group">
                <legend>"Limits"</legend>
                <label class="radio">
                    <input type="checkbox" name="respect_daily_cap" prop:checked=move || daily_cap.get()
                        on:change=move |ev| { let on = event_target_checked(&ev); wiz.update("respect_daily_cap", |f| f.strategy.respect_daily_cap = on); } />
                    "Stop each sender at its daily cap (warm-up aware)"
                </label>
                <label class="radio">
                    <input type="checkbox" name="working_hours" prop:checked=move || hours.get().is_some()
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            wiz.update("working_hours", |f| f.strategy.working_hours = on.then_some(working_hours));
                        } />
                    "Only send during working hours (the workspace's time zone)"
                </label>
                {show(move || hours.get().is_some(), move || view! {
                    <div class="grid-2">
                        {time_input("working_hours_start", "From", |h| h.start, |h, t| h.start = t)}
                        {time_input("working_hours_end", "Until", |h| h.end, |h, t| h.end = t)}
                    </div>
                    <fieldset class="field" class:field-invalid=move || wiz.error("working_days").is_some()>
                        <legend>"On"</legend>
                        <div class="day-list">
                            {WorkingDays::NAMES.into_iter().enumerate().map(|(day, name)| view! {
                                <label class="day">
                                    <input type="checkbox" name="working_days" value=day.to_string()
                                        prop:checked=move || hours.get().is_some_and(|h| h.days.contains(day))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            wiz.update("working_days", |f| edit_hours(f, |h| {
                                                let bit = 1u8 << day;
                                                h.days = WorkingDays(if on { h.days.0 | bit } else { h.days.0 & !bit });
                                            }));
                                        } />
                                    {name}
                                </label>
                            }).collect_view()}
                        </div>
                        <FieldErr wiz field="working_days" id="campaign-working_days-error".to_owned() />
                    </fieldset>
                }.into_any())}
            </fieldset>
            <fieldset class="field strategy-group">
                <legend>"When things go wrong"</legend>
                <div class="grid-3">
                    <NumberField wiz field="failure_threshold_percent" label="Pause at a failure rate of (%)" min=1 max=100
                        get=|f| Some(u32::from(f.strategy.failure_threshold_percent))
                        set=|f, v| f.strategy.failure_threshold_percent = v.map_or(0, |v| u8::try_from(v).unwrap_or(u8::MAX)) />
                    <NumberField wiz field="failure_window" label="… among the last (messages)" min=1 max=MAX_FAILURE_WINDOW
                        get=|f| Some(f.strategy.failure_window) set=|f, v| f.strategy.failure_window = v.unwrap_or(0) />
                    <NumberField wiz field="skip_sender_after_failures" label="Drop a sender after … failures in a row" min=1 placeholder="Never"
                        get=|f| f.strategy.skip_sender_after_failures set=|f, v| f.strategy.skip_sender_after_failures = v />
                </div>
                <div class="grid-3">
                    <div class="field" class:field-invalid=move || wiz.error("max_retries").is_some()>
                        <label for="campaign-max_retries">"Retries of a failed message"</label>
                        <select id="campaign-max_retries" name="max_retries" prop:value=move || retries.get().to_string()
                            on:change=move |ev| {
                                if let Ok(n) = event_target_value(&ev).parse::<u8>() {
                                    wiz.update("max_retries", |f| f.strategy.max_retries = n);
                                }
                            }>
                            {(0..=MAX_RETRIES).map(|n| view! {
                                <option value=n.to_string() selected=move || retries.get() == n>
                                    {if n == 0 { "None".to_owned() } else { n.to_string() }}
                                </option>
                            }).collect_view()}
                        </select>
                        <FieldErr wiz field="max_retries" id="campaign-max_retries-error".to_owned() />
                    </div>
                    {show(move || retries.get() > 0, move || view! {
                        <NumberField wiz field="retry_base_s" label="First retry after (s)" min=1 max=MAX_PAUSE_S
                            hint="Then twice that, then four times."
                            get=|f| Some(f.strategy.retry_base_s) set=|f, v| f.strategy.retry_base_s = v.unwrap_or(0) />
                    }.into_any())}
                </div>
            </fieldset>
            <fieldset class="field sender-picker" class:field-invalid=move || wiz.error("sender_ids").is_some()>
                <legend>"Send from"</legend>
                {senders.is_empty().then(|| view! {
                    <p class="muted">"This workspace has no sender yet: an owner or admin adds one on the Senders page."</p>
                })}
                <ul class="sender-choices">
                    {senders.into_iter().map(|s| {
                        let id: Uuid = s.id;
                        let paused = s.paused_reason.clone();
                        let status = s.health_label();
                        view! {
                            <li>
                                <label class="choice">
                                    <input type="checkbox" name="sender_ids" value=id.to_string()
                                        prop:checked=move || chosen.with(|c| c.contains(&id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            wiz.update("sender_ids", |f| {
                                                f.sender_ids.retain(|x| *x != id);
                                                if on { f.sender_ids.push(id); }
                                            });
                                        } />
                                    <span class="choice-label">
                                        {s.name.clone()}" "
                                        <span class=format!("badge sender-health{}", if paused.is_some() { " badge-warn" } else { "" })>{status}</span>
                                    </span>
                                    <span class="choice-hint">
                                        {format!("{} · cap {} a day · {} sent today", s.display_number, grouped(s.daily_cap.into()), grouped(s.sent_today.into()))}
                                        {paused.map(|why| format!(" · paused: {why}"))}
                                    </span>
                                </label>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <FieldErr wiz field="sender_ids" id="campaign-sender_ids-error".to_owned() />
            </fieldset>
        </div>
    }
}
