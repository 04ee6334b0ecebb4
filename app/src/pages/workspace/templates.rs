//! Templates: the workspace's reusable messages by category, with usage counts; an editor with
//! variable chips, a live character count, errors as you type (unknown variables named), an
//! attachment, and a phone-style preview rendered for a real lead.

use super::use_shell;
use crate::api::resource::resource;
use crate::api::templates::{
    create_template, delete_template, load_template_variables, load_templates, preview_template,
    update_template,
};
use crate::components::attachment::{AttachButton, AttachmentChip, AttachmentState};
use crate::components::composer::{ComposerTools, insert_at_cursor};
use crate::components::confirm::ConfirmDialog;
use crate::components::effect::effect;
use crate::components::icons::Icon;
use crate::components::toast::use_toaster;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::templates::render::LEAD_VARIABLES;
use shared::templates::{
    RenderedTemplate, TemplateCategory, TemplateDto, TemplateForm, TemplateVariables, check_body,
};
use shared::whatsapp::MAX_MESSAGE_CHARS;
use shared::workspaces::Permission;
use uuid::Uuid;

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let can_manage = ctx.shell.can(Permission::TemplatesManage);
    let refresh = RwSignal::new(0u32);
    let data = resource(
        move || refresh.get(),
        move |_| async move {
            let list = load_templates(workspace).await?;
            let variables = load_template_variables(workspace).await?;
            Ok::<_, crate::api::ApiError>((list, variables))
        },
    );
    // `Some(None)`: a new template; `Some(Some(t))`: editing `t`.
    let editing = RwSignal::new(None::<Option<TemplateDto>>);
    let reload = Callback::new(move |()| refresh.update(|n| *n += 1));

    view! {
        <Title text="Templates" />
        <div class="page-header">
            <h1>"Templates"</h1>
            {can_manage.then(|| view! {
                <div class="header-actions">
                    <button type="button" class="btn btn-primary" on:click=move |_| editing.set(Some(None))>"New template"</button>
                </div>
            })}
        </div>
        <p class="muted">"Reusable messages. "<code>"{name}"</code>" puts in the lead's name, "<code>"{name|there}"</code>" says “there” when it has none, and "<code>"{Hi|Hello}"</code>" picks one per message so no two read the same."</p>
        // The editor sits outside the Transition, as on the Senders page: it exists only in the
        // browser (nothing is being edited when the page is rendered on the server), so it never
        // takes part in hydrating the list.
        {move || {
            let existing = editing.get()?;
            let (_, variables) = data.get()?.ok()?;
            let parts = EditorParts {
                workspace,
                existing,
                variables,
                on_done: Callback::new(move |()| {
                    reload.run(());
                    // Last: closing the editor disposes it, and this callback with it.
                    editing.set(None);
                }),
                on_cancel: Callback::new(move |()| editing.set(None)),
            };
            Some(view! {
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {Suspend::new(template_editor(parts))}
                </Suspense>
            })
        }}
        <Transition fallback=|| view! { <p class="loading">"Loading templates…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((list, _)) if list.is_empty() => view! {
                        <div class="card empty"><p>"No template yet."</p></div>
                    }.into_any(),
                    Ok((list, _)) => view! {
                        <ul class="template-list">
                            {list.into_iter().map(|t| view! {
                                <TemplateCard workspace=workspace template=t can_manage=can_manage
                                    on_edit=Callback::new(move |t: TemplateDto| editing.set(Some(Some(t))))
                                    on_change=reload />
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TemplateCard(
    workspace: Uuid,
    template: TemplateDto,
    can_manage: bool,
    on_edit: Callback<TemplateDto>,
    on_change: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let confirm = RwSignal::new(false);
    let id = template.id;
    let name = template.name.clone();
    let remove = Callback::new(move |()| {
        leptos::task::spawn_local(async move {
            match delete_template(workspace, id).await {
                Ok(()) => {
                    toaster.success("Template deleted.");
                    on_change.run(());
                }
                Err(e) => toaster.error(e.to_string()),
            }
        });
    });
    let uses = match template.usage_count {
        0 => "Not used yet".to_owned(),
        1 => "Used once".to_owned(),
        n => format!("Used {n} times"),
    };
    let edited = template.clone();
    let title = format!("Delete “{name}”?");
    view! {
        <li class="card template-card">
            <div class="template-head">
                <h2>{template.name.clone()}</h2>
                <span class=format!("badge category-{}", template.category.as_str())>{template.category.label()}</span>
            </div>
            <p class="template-body">{template.body.clone()}</p>
            {template.attachment.clone().map(|file| view! {
                <p class="muted template-file"><Icon name="attach" />{file.file_name}</p>
            })}
            <div class="template-foot">
                <span class="muted">{uses}</span>
                {can_manage.then(|| view! {
                    <span class="template-actions">
                        <button type="button" class="btn btn-small" aria-label=format!("Edit {name}")
                            on:click=move |_| on_edit.run(edited.clone())>"Edit"</button>
                        <button type="button" class="btn btn-small btn-danger" aria-label=format!("Delete {}", template.name)
                            on:click=move |_| confirm.set(true)>"Delete"</button>
                    </span>
                })}
            </div>
            <ConfirmDialog open=confirm title=Signal::derive(move || title.clone())
                message=Signal::derive(|| "Messages already sent from it are kept; it is no longer offered.".to_owned())
                confirm_label="Delete" on_confirm=remove />
        </li>
    }
}

/// How long the editor waits after typing before asking the server for a new preview.
const PREVIEW_DELAY_MS: u32 = 400;

/// What the editor is made from, handed as one value through its lazy split.
struct EditorParts {
    workspace: Uuid,
    existing: Option<TemplateDto>,
    variables: TemplateVariables,
    on_done: Callback<()>,
    on_cancel: Callback<()>,
}

/// The editor (composer, phone preview, attachment), a lazy split fetched when "New template"
/// or "Edit" is first clicked: it is never on the page the server renders, so hydrating never
/// needs it (docs/benchmarks.md, "Forms that open on a click").
#[lazy]
fn template_editor(parts: EditorParts) -> AnyView {
    let EditorParts {
        workspace,
        existing,
        variables,
        on_done,
        on_cancel,
    } = parts;
    view! { <TemplateEditor workspace existing variables on_done on_cancel /> }.into_any()
}

#[component]
fn TemplateEditor(
    workspace: Uuid,
    existing: Option<TemplateDto>,
    variables: TemplateVariables,
    on_done: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let slug = use_shell().shell.workspace.slug.clone();
    let editing_id = existing.as_ref().map(|t| t.id);
    let name = RwSignal::new(
        existing
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default(),
    );
    let category = RwSignal::new(
        existing
            .as_ref()
            .map_or(TemplateCategory::Greeting, |t| t.category)
            .as_str()
            .to_owned(),
    );
    let body = RwSignal::new(
        existing
            .as_ref()
            .map(|t| t.body.clone())
            .unwrap_or_default(),
    );
    let file = AttachmentState::new(existing.as_ref().and_then(|t| t.attachment.clone()));
    let saving = RwSignal::new(false);
    let errors = RwSignal::new(Vec::<shared::FieldError>::new());
    let preview = RwSignal::new(None::<RenderedTemplate>);
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let vars = StoredValue::new(variables.clone());

    let count = Memo::new(move |_| body.with(|b| b.trim().chars().count()));
    // Checked as you type, with the same rules the server applies on save.
    let body_problem = Memo::new(move |_| {
        let text = body.get();
        if text.trim().is_empty() {
            return None;
        }
        vars.with_value(|v| check_body(&text, v).err())
    });
    let field_error = move |field: &'static str| {
        move || {
            errors.with(|list| {
                list.iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.clone())
            })
        }
    };

    // The preview follows the text (debounced) and the attachment.
    let generation = StoredValue::new(0u32);
    let refresh_preview = move || {
        let text = body.get_untracked();
        if text.trim().is_empty() || body_problem.get_untracked().is_some() {
            preview.set(None);
            return;
        }
        let attachment = file.file.get_untracked().map(|f| f.id);
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        leptos::task::spawn_local(async move {
            crate::components::time::sleep_ms(PREVIEW_DELAY_MS).await;
            if generation.get_value() != mine {
                return;
            }
            if let Ok(rendered) = preview_template(workspace, text, attachment, None).await
                && generation.get_value() == mine
            {
                preview.set(Some(rendered));
            }
        });
    };
    effect(move || {
        body.track();
        file.file.track();
        refresh_preview();
    });

    // A chip or an emoji goes where the cursor is.
    let insert = Callback::new(move |token: String| {
        insert_at_cursor(textarea, &body.get_untracked(), &token, |next| {
            body.set(next)
        });
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = TemplateForm {
            name: name.get_untracked(),
            category: category.get_untracked(),
            body: body.get_untracked(),
            attachment: file.file.get_untracked().map(|f| f.id),
        };
        saving.set(true);
        leptos::task::spawn_local(async move {
            let result = match editing_id {
                Some(id) => update_template(workspace, id, form).await,
                None => create_template(workspace, form).await,
            };
            saving.set(false);
            match result {
                Ok(saved) => {
                    toaster.success(format!("Template “{}” saved.", saved.name));
                    on_done.run(());
                }
                Err(e) => match e.0 {
                    shared::AppError::Validation(list) => errors.set(list),
                    other => toaster.error(other.to_string()),
                },
            }
        });
    };

    let chips: Vec<String> = LEAD_VARIABLES
        .iter()
        .map(|v| (*v).to_owned())
        .chain(
            variables
                .custom
                .iter()
                .map(|c| shared::templates::render::variable_key(c)),
        )
        .collect();
    let heading = if editing_id.is_some() {
        "Edit template"
    } else {
        "New template"
    };

    view! {
        <section class="card template-editor" aria-labelledby="template-editor-title">
            <h2 id="template-editor-title">{heading}</h2>
            <form class="form template-form" novalidate on:submit=save>
                <div class="template-columns">
                    <div class="template-fields">
                        <div class="field" class:field-invalid=move || field_error("name")().is_some()>
                            <label for="template-name">"Name"</label>
                            <input id="template-name" name="name" maxlength="80" prop:value=move || name.get()
                                on:input=move |ev| name.set(event_target_value(&ev))
                                aria-describedby="template-name-error" />
                            <p class="field-error" id="template-name-error">{field_error("name")}</p>
                        </div>
                        <div class="field">
                            <label for="template-category">"Category"</label>
                            <select id="template-category" name="category" prop:value=move || category.get()
                                on:change=move |ev| category.set(event_target_value(&ev))>
                                {TemplateCategory::ALL.into_iter().map(|c| view! {
                                    <option value=c.as_str()>{c.label()}</option>
                                }).collect_view()}
                            </select>
                            <p class="field-error">{field_error("category")}</p>
                        </div>
                        <div class="field" class:field-invalid=move || body_problem.get().or_else(field_error("body")).is_some()>
                            <label for="template-body">"Message"</label>
                            <ComposerTools chips id="template-body".to_owned() insert />
                            <textarea id="template-body" name="body" rows="8" node_ref=textarea
                                aria-describedby="template-body-error"
                                prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                            <p class="field-hint">
                                <span class="char-count" class:over=move || { count.get() > MAX_MESSAGE_CHARS } aria-live="polite">
                                    {move || format!("{} / {MAX_MESSAGE_CHARS}", count.get())}
                                </span>
                            </p>
                            <p class="field-error" id="template-body-error" role="alert">
                                {move || body_problem.get().or_else(field_error("body"))}
                            </p>
                        </div>
                        <AttachmentChip state=file error_id="template-attachment-error" />
                        <div class="form-actions">
                            <AttachButton state=file slug=slug.clone() error_id="template-attachment-error" />
                            <button type="button" class="btn" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                            <button type="submit" class="btn btn-primary"
                                disabled=move || { saving.get() || file.busy() || body_problem.get().is_some() }>
                                {move || if saving.get() { "Saving…" } else { "Save template" }}
                            </button>
                        </div>
                    </div>
                    <aside class="phone-preview" aria-label="Preview">
                        <p class="phone-preview-title">
                            {move || preview.get().and_then(|p| p.lead_name).map_or_else(
                                || "Preview".to_owned(),
                                |lead| format!("Preview for {lead}"),
                            )}
                        </p>
                        <div class="phone-screen">
                            {move || match preview.get() {
                                Some(rendered) => view! {
                                    <div class="bubble bubble-out preview-bubble">
                                        {rendered.attachment.clone().map(|f| view! {
                                            <p class="bubble-file"><span aria-hidden="true">"📄 "</span>{f.file_name}</p>
                                        })}
                                        <p class="bubble-body">{rendered.text.clone()}</p>
                                    </div>
                                    {(!rendered.missing.is_empty()).then(|| view! {
                                        <p class="preview-warning">
                                            {format!(
                                                "This lead has no {}; add a fallback like {{{}|…}}.",
                                                rendered.missing.iter().map(|m| format!("{{{m}}}")).collect::<Vec<_>>().join(", "),
                                                rendered.missing[0]
                                            )}
                                        </p>
                                    })}
                                }.into_any(),
                                None => view! { <p class="muted preview-empty">"Write the message to see it as a lead would."</p> }.into_any(),
                            }}
                        </div>
                        <button type="button" class="btn btn-small" on:click=move |_| refresh_preview()
                            disabled=move || preview.with(Option::is_none)>"Another variation"</button>
                    </aside>
                </div>
            </form>
        </section>
    }
}
