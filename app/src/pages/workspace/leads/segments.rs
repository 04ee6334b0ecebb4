//! The segments panel: saved filters with their live counts — click one to apply it, save the
//! current filter as a new one, rename or delete (after a confirmation).

use super::super::imports::grouped;
use crate::api::ApiResult;
use crate::api::segments::{
    CreateSegment, DeleteSegment, UpdateSegment, create_segment, delete_segment, update_segment,
};
use crate::components::confirm::ConfirmDialog;
use crate::components::effect::effect;
use crate::components::form::field_error;
use crate::components::show::show_or;
use leptos::prelude::*;
use shared::leads::{LeadFilter, LeadQuery, LeadSort};
use shared::segments::{SegmentDto, SegmentForm};
use uuid::Uuid;

/// The segment actions the page owns (it refetches the list when they finish).
#[derive(Clone, Copy)]
pub struct SegmentActions {
    pub create: Action<CreateSegment, ApiResult<SegmentDto>>,
    pub update: Action<UpdateSegment, ApiResult<SegmentDto>>,
    pub delete: Action<DeleteSegment, ApiResult<()>>,
}

impl SegmentActions {
    pub fn new() -> Self {
        Self {
            create: Action::new(|input: &CreateSegment| create_later(input.clone())),
            update: Action::new(|input: &UpdateSegment| update_later(input.clone())),
            delete: Action::new(|input: &DeleteSegment| delete_later(input.clone())),
        }
    }
}

// Saving, renaming and deleting a segment happen on a click, never while the list hydrates, so
// their server calls are lazy splits fetched with the first (docs/benchmarks.md, "What runs only
// on a click").

#[lazy]
async fn create_later(input: CreateSegment) -> ApiResult<SegmentDto> {
    create_segment(input.workspace, input.form).await
}

#[lazy]
async fn update_later(input: UpdateSegment) -> ApiResult<SegmentDto> {
    update_segment(input.workspace, input.segment, input.form).await
}

#[lazy]
async fn delete_later(input: DeleteSegment) -> ApiResult<()> {
    delete_segment(input.workspace, input.segment).await
}

#[component]
pub fn SegmentsPanel(
    workspace: Uuid,
    segments: Vec<SegmentDto>,
    /// `/w/{slug}/leads`.
    base: String,
    /// The filter and sort in the URL now.
    current: Signal<(LeadFilter, LeadSort)>,
    actions: SegmentActions,
    can_manage: bool,
) -> impl IntoView {
    let new_name = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<Uuid>);
    let edit_name = RwSignal::new(String::new());
    let deleting = RwSignal::new(None::<(Uuid, String)>);
    let confirm_open = RwSignal::new(false);
    let create_error = field_error(actions.create.value(), "name");
    let rename_error = field_error(actions.update.value(), "name");
    effect(move || {
        if let Some(Ok(_)) = actions.create.value().get() {
            new_name.set(String::new());
        }
    });
    effect(move || {
        if let Some(Ok(_)) = actions.update.value().get() {
            editing.set(None);
        }
    });
    let empty = segments.is_empty();
    let items = segments
        .into_iter()
        .map(|segment| {
            let id = segment.id;
            let sort = current.with_untracked(|c| c.1);
            let query = LeadQuery::from_filter(&segment.filter, sort).query_string();
            let href = if query.is_empty() {
                base.clone()
            } else {
                format!("{base}?{query}")
            };
            let filter = StoredValue::new(segment.filter.clone());
            let active = move || current.with(|c| filter.with_value(|f| *f == c.0));
            let summary = match segment.filter.summary() {
                s if s.is_empty() => "Every lead".to_owned(),
                s => s,
            };
            let name = segment.name.clone();
            let rename_to = segment.name.clone();
            let delete_name = segment.name.clone();
            view! {
                <li class="segment" class:segment-active=active>
                    {show_or(move || editing.get() == Some(id), move || view! {
                        <form class="segment-rename" on:submit=move |ev| {
                            ev.prevent_default();
                            actions.update.dispatch(UpdateSegment {
                                workspace,
                                segment: id,
                                form: SegmentForm {
                                    name: edit_name.get_untracked(),
                                    filter: filter.get_value(),
                                },
                            });
                        }>
                            <label class="sr-only" for=format!("rename-{id}")>"New name"</label>
                            <input id=format!("rename-{id}") type="text" maxlength="80"
                                prop:value=move || edit_name.get() on:input=move |ev| edit_name.set(event_target_value(&ev)) />
                            <button type="submit" class="btn btn-small btn-primary">"Save"</button>
                            <button type="button" class="btn btn-small btn-link" on:click=move |_| editing.set(None)>"Cancel"</button>
                            <p class="field-error">{move || rename_error.get()}</p>
                        </form>
                    }.into_any(), {
                            let name = name.clone();
                            let href = href.clone();
                            let summary = summary.clone();
                            let rename_to = rename_to.clone();
                            let delete_name = delete_name.clone();
                            move || {
                                let rename_to = rename_to.clone();
                                let delete_name = delete_name.clone();
                                view! {
                                    <a class="segment-link" href=href.clone() title=summary.clone()>
                                        <span class="segment-name">{name.clone()}</span>
                                        <span class="segment-count" aria-label="leads">{grouped(segment.count)}</span>
                                    </a>
                                    <span class="segment-summary muted">{summary.clone()}</span>
                                    {can_manage.then(|| view! {
                                        <span class="segment-actions">
                                            <button type="button" class="btn btn-link btn-small" on:click=move |_| {
                                                edit_name.set(rename_to.clone());
                                                editing.set(Some(id));
                                            }>"Rename"</button>
                                            <button type="button" class="btn btn-link btn-small btn-danger" on:click=move |_| {
                                                deleting.set(Some((id, delete_name.clone())));
                                                confirm_open.set(true);
                                            }>"Delete"</button>
                                        </span>
                                    })}
                                }
                                .into_any()
                            }
                        })}
                </li>
            }
        })
        .collect_view();
    view! {
        <aside class="card segments" aria-labelledby="segments-title">
            <h2 id="segments-title">"Segments"</h2>
            {empty.then(|| view! { <p class="muted">"Save a filter to come back to it, with its count kept up to date."</p> })}
            <ul class="segment-list">{items}</ul>
            {can_manage.then(|| view! {
                <form class="segment-save" on:submit=move |ev| {
                    ev.prevent_default();
                    actions.create.dispatch(CreateSegment {
                        workspace,
                        form: SegmentForm {
                            name: new_name.get_untracked(),
                            filter: current.get_untracked().0,
                        },
                    });
                }>
                    <label for="segment-name">"Save this filter as"</label>
                    <div class="segment-save-row">
                        <input id="segment-name" name="name" type="text" maxlength="80" placeholder="Segment name"
                            prop:value=move || new_name.get() on:input=move |ev| new_name.set(event_target_value(&ev)) />
                        <button type="submit" class="btn btn-small btn-primary" disabled=move || actions.create.pending().get()>"Save"</button>
                    </div>
                    <p class="field-error">{move || create_error.get()}</p>
                </form>
            })}
        </aside>
        <ConfirmDialog
            open=confirm_open
            title=Signal::derive(move || format!("Delete the segment \"{}\"?", deleting.with(|d| d.as_ref().map(|(_, n)| n.clone()).unwrap_or_default())))
            message=String::from("Only the saved filter goes; its leads stay.")
            confirm_label="Delete"
            on_confirm=Callback::new(move |()| {
                if let Some((segment, _)) = deleting.get_untracked() {
                    actions.delete.dispatch(DeleteSegment { workspace, segment });
                }
            })
        />
    }
}
