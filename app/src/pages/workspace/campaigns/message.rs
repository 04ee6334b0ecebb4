//! The wizard's Message step: up to five variants (tabs), each with a label, a body written with
//! variable chips (checked as you type), a template to start from, an attachment, an optional
//! location pin or contact card, and its weight in the rotation or the website statuses it is
//! for; beside it a phone mock-up rendered for a real recipient, and a test send.

use super::wizard::{FieldErr, Wizard};
use crate::api::campaigns::{preview_campaign_variant, test_send_campaign};
use crate::components::attachment::{AttachButton, AttachmentChip, AttachmentState};
use crate::components::composer::{ComposerTools, insert_at_cursor};
use crate::components::effect::effect;
use crate::components::icons::Icon;
use crate::components::show::show;
use crate::components::time::sleep_ms;
use crate::components::toast::use_toaster;
use crate::pages::workspace::use_shell;
use leptos::prelude::*;
use shared::campaigns::{
    MAX_TEST_NUMBERS, MAX_VARIANTS, Variant, VariantChoice, VariantExtra, VariantPreview,
    variant_label,
};
use shared::leads::WebsiteStatus;
use shared::templates::render::{LEAD_VARIABLES, variable_key};
use shared::templates::{TemplateDto, TemplateVariables, check_body};
use shared::whatsapp::MAX_MESSAGE_CHARS;
use uuid::Uuid;

/// How long the preview waits after typing before asking the server.
const PREVIEW_DELAY_MS: u32 = 400;

#[component]
pub fn MessageStep(
    wiz: Wizard,
    templates: Vec<TemplateDto>,
    variables: TemplateVariables,
) -> impl IntoView {
    let choice = Memo::new(move |_| wiz.form.with(|f| f.variant_choice));
    let labels = Memo::new(move |_| {
        wiz.form.with(|f| {
            f.variants
                .iter()
                .enumerate()
                .map(|(i, v)| variant_label(v, i))
                .collect::<Vec<_>>()
        })
    });
    let templates = StoredValue::new(templates);
    let variables = StoredValue::new(variables);
    let add = move |_| {
        let count = wiz.form.with_untracked(|f| f.variants.len());
        if count >= MAX_VARIANTS {
            return;
        }
        wiz.update("variants", |f| {
            let label = variant_label(&Variant::default(), count);
            f.variants.push(Variant {
                label,
                weight: 50,
                ..Variant::default()
            });
        });
        wiz.variant.set(count);
    };
    // Keep the tab in range when variants go (or a draft had fewer).
    effect(move || {
        let count = labels.with(Vec::len);
        if count > 0 && wiz.variant.get_untracked() >= count {
            wiz.variant.set(count - 1);
        }
    });
    let radio = move |value: VariantChoice, label: &'static str, hint: &'static str| {
        view! {
            <label class="choice">
                <input type="radio" name="variant_choice" prop:checked=move || choice.get() == value
                    on:change=move |_| wiz.update("variant_choice", |f| f.variant_choice = value) />
                <span class="choice-label">{label}</span>
                <span class="choice-hint">{hint}</span>
            </label>
        }
    };
    view! {
        <div class="form wizard-form message-step">
            <fieldset class="field">
                <legend>"Which lead gets which variant"</legend>
                <div class="choice-group choice-row">
                    {radio(VariantChoice::Rotation, "Rotation", "Variants take turns by weight (an A/B test).")}
                    {radio(VariantChoice::ByWebsiteStatus, "By website status", "e.g. a working site gets A, none or broken gets B.")}
                </div>
            </fieldset>
            <div class="variant-tabs" role="tablist" aria-label="Variants">
                {move || labels.get().into_iter().enumerate().map(|(i, label)| view! {
                    <button type="button" role="tab" class="variant-tab"
                        class:variant-invalid=move || wiz.error(&format!("variants.{i}")).is_some()
                        aria-selected=move || (wiz.variant.get() == i).to_string()
                        on:click=move |_| wiz.variant.set(i)>
                        {format!("Variant {label}")}
                    </button>
                }).collect_view()}
                {show(move || labels.with(Vec::len) < MAX_VARIANTS, move || view! {
                    <button type="button" class="btn btn-small" on:click=add>"+ Add variant"</button>
                }.into_any())}
            </div>
            <FieldErr wiz field="variants" id="campaign-variants-error".to_owned() />
            {move || {
                let index = wiz.variant.get();
                let exists = wiz.form.with_untracked(|f| index < f.variants.len());
                exists.then(|| view! {
                    <VariantEditor wiz index templates=templates.get_value() variables=variables.get_value() />
                })
            }}
        </div>
    }
}

#[component]
fn VariantEditor(
    wiz: Wizard,
    index: usize,
    templates: Vec<TemplateDto>,
    variables: TemplateVariables,
) -> impl IntoView {
    let workspace = wiz.workspace;
    let toaster = use_toaster();
    let slug = use_shell().shell.workspace.slug.clone();
    let field = format!("variants.{index}");
    let field = StoredValue::new(field);
    let variant = Memo::new(move |_| {
        wiz.form
            .with(|f| f.variants.get(index).cloned())
            .unwrap_or_default()
    });
    let choice = Memo::new(move |_| wiz.form.with(|f| f.variant_choice));
    let many = Memo::new(move |_| wiz.form.with(|f| f.variants.len() > 1));
    let edit = move |change: Box<dyn FnOnce(&mut Variant)>| {
        wiz.update(&field.get_value(), |f| {
            if let Some(v) = f.variants.get_mut(index) {
                change(v);
            }
        });
    };
    let body = Memo::new(move |_| variant.with(|v| v.body.clone()));
    let count = Memo::new(move |_| body.with(|b| b.trim().chars().count()));
    let vars = StoredValue::new(variables.clone());
    let body_problem = Memo::new(move |_| {
        let text = body.get();
        if text.trim().is_empty() {
            return None;
        }
        vars.with_value(|v| check_body(&text, v).err())
    });
    let error = move || body_problem.get().or_else(|| wiz.error(&field.get_value()));

    // The attachment: the picker's state, written back to the variant when it changes.
    let initial_id = variant.with_untracked(|v| v.attachment);
    let known = initial_id.and_then(|id| wiz.files.with_untracked(|f| f.get(&id).cloned()));
    let file = AttachmentState::new(known);
    Effect::new(move |first: Option<()>| {
        let chosen = file.file.get();
        if first.is_none() {
            return;
        }
        if let Some(dto) = &chosen {
            let dto = dto.clone();
            wiz.files.update(|f| {
                f.insert(dto.id, dto);
            });
        }
        let id = chosen.map(|f| f.id);
        edit(Box::new(move |v| v.attachment = id));
    });
    // A saved draft's file this visit has not seen: the form knows only its id.
    let unnamed = Memo::new(move |_| {
        variant.with(|v| v.attachment).filter(|id| {
            file.file.with(|f| f.as_ref().map(|f| f.id)) != Some(*id)
                && !wiz.files.with(|f| f.contains_key(id))
        })
    });

    let templates = StoredValue::new(templates);
    let use_template = move |ev: leptos::ev::Event| {
        let Ok(id) = event_target_value(&ev).parse::<Uuid>() else {
            return;
        };
        let Some(t) = templates.with_value(|list| list.iter().find(|t| t.id == id).cloned()) else {
            return;
        };
        let text = t.body.clone();
        // The variant remembers its template, so the campaign's messages count as its uses.
        edit(Box::new(move |v| {
            v.body = text;
            v.template_id = Some(id);
        }));
        if t.attachment.is_some() {
            file.file.set(t.attachment.clone());
        }
        toaster.info(format!("Started from “{}”.", t.name));
    };

    // A chip or an emoji goes where the cursor is.
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let insert = Callback::new(move |token: String| {
        insert_at_cursor(textarea, &body.get_untracked(), &token, |next| {
            edit(Box::new(move |v| v.body = next));
        });
    });
    let chips: Vec<String> = LEAD_VARIABLES
        .iter()
        .map(|v| (*v).to_owned())
        .chain(variables.custom.iter().map(|c| variable_key(c)))
        .collect();

    // The preview follows this variant and the audience (debounced).
    let preview = RwSignal::new(None::<Result<VariantPreview, String>>);
    let generation = StoredValue::new(0u32);
    let inputs = Memo::new(move |_| {
        wiz.form
            .with(|f| (f.variants.get(index).cloned(), f.audience.clone()))
    });
    effect(move || {
        // Read, not just tracked: a memo nobody has read has not run, so it has no sources
        // and would never tell this effect about a change.
        inputs.with(|_| ());
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let has_content =
            variant.with_untracked(|v| !v.body.trim().is_empty() || v.attachment.is_some());
        if !has_content || body_problem.get_untracked().is_some() {
            preview.set(None);
            return;
        }
        let form = wiz.form.get_untracked();
        let field = field.get_value();
        leptos::task::spawn_local(async move {
            sleep_ms(PREVIEW_DELAY_MS).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            let result = preview_campaign_variant(workspace, form, index)
                .await
                .map_err(|e| {
                    e.field_message(&field)
                        .or_else(|| e.field_message("audience"))
                        .or_else(|| e.form_message())
                        .unwrap_or_else(|| e.to_string())
                });
            if generation.try_get_value() == Some(mine) {
                preview.set(Some(result));
            }
        });
    });

    // The test send.
    let test_numbers = RwSignal::new(String::new());
    let test_error = RwSignal::new(None::<String>);
    let testing = RwSignal::new(false);
    let send_test = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = wiz.form.get_untracked();
        let numbers = test_numbers.get_untracked();
        testing.set(true);
        test_error.set(None);
        leptos::task::spawn_local(async move {
            let result = test_send_campaign(workspace, form, index, numbers).await;
            testing.set(false);
            match result {
                Ok(message) => toaster.success(message),
                Err(e) => {
                    let message = e.to_string();
                    test_error.set(Some(message.clone()));
                    toaster.error(message);
                }
            }
        });
    };

    let (label, extra) = variant.with_untracked(|v| (v.label.clone(), v.extra.clone()));
    let extra_kind = RwSignal::new(match &extra {
        VariantExtra::None => "none",
        VariantExtra::Location { .. } => "location",
        VariantExtra::Contact { .. } => "contact",
    });
    let remove = move |_| {
        wiz.update("variants", |f| {
            if f.variants.len() > 1 && index < f.variants.len() {
                f.variants.remove(index);
            }
        });
        wiz.variant.set(index.saturating_sub(1));
    };
    let id = move |name: &str| format!("variant-{index}-{name}");
    let error_id = id("error");
    let attachment_error: &'static str = "variant-attachment-error";

    view! {
        <div class="variant-editor template-columns" role="tabpanel">
            <div class="template-fields">
                <div class="grid-2">
                    <div class="field">
                        <label for=id("label")>"Label"</label>
                        <input id=id("label") name="label" maxlength="40" value=label autocomplete="off"
                            on:input=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |x| x.label = v)); } />
                    </div>
                    <div class="field">
                        <label for=id("template")>"Start from a template"</label>
                        <select id=id("template") name="template" on:change=use_template>
                            <option value="" selected=move || variant.with(|v| v.template_id.is_none())>"Choose…"</option>
                            {templates.get_value().into_iter().map(|t| view! {
                                <option value=t.id.to_string()
                                    selected=move || variant.with(|v| v.template_id == Some(t.id))>{t.name}</option>
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <div class="field" class:field-invalid=move || error().is_some()>
                    <label for=id("body")>"Message"</label>
                    <ComposerTools chips id=id("body") insert />
                    <textarea id=id("body") name="body" rows="8" node_ref=textarea aria-describedby=error_id.clone()
                        prop:value=move || body.get()
                        on:input=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |x| x.body = v)); }></textarea>
                    <p class="field-hint">
                        <span class="char-count" class:over=move || { count.get() > MAX_MESSAGE_CHARS } aria-live="polite">
                            {move || format!("{} / {MAX_MESSAGE_CHARS}", count.get())}
                        </span>
                        " · "<code>"{name|there}"</code>" falls back to “there”; "<code>"{Hi|Hello}"</code>" picks one per message."
                    </p>
                    <p class="field-error" id=error_id role="alert">{error}</p>
                </div>
                <AttachmentChip state=file error_id=attachment_error />
                {move || unnamed.get().map(|_| view! {
                    <p class="attachment-chip">
                        <Icon name="attach" />
                        <span class="attachment-name">"The file saved with the draft"</span>
                        <button type="button" class="btn btn-link btn-small attachment-remove" aria-label="Remove the file"
                            on:click=move |_| edit(Box::new(|v| v.attachment = None))>"×"</button>
                    </p>
                })}
                <div class="variant-attach">
                    <AttachButton state=file slug=slug.clone() error_id=attachment_error />
                </div>
                <div class="field">
                    <label for=id("extra")>"Also send"</label>
                    <select id=id("extra") name="extra" prop:value=move || extra_kind.get()
                        on:change=move |ev| {
                            let kind = match event_target_value(&ev).as_str() {
                                "location" => "location",
                                "contact" => "contact",
                                _ => "none",
                            };
                            extra_kind.set(kind);
                            let extra = match kind {
                                "location" => VariantExtra::Location { latitude: 0.0, longitude: 0.0, name: None, address: None },
                                "contact" => VariantExtra::Contact { name: String::new(), phone: String::new() },
                                _ => VariantExtra::None,
                            };
                            edit(Box::new(move |v| v.extra = extra));
                        }>
                        <option value="none">"Nothing else"</option>
                        <option value="location">"A location pin (Cloud API senders)"</option>
                        <option value="contact">"A contact card (Cloud API senders)"</option>
                    </select>
                </div>
                {move || match extra_kind.get() {
                    "location" => view! { <LocationFields wiz index /> }.into_any(),
                    "contact" => view! { <ContactFields wiz index /> }.into_any(),
                    _ => ().into_any(),
                }}
                {move || match choice.get() {
                    VariantChoice::Rotation => {
                        let weight = variant.with_untracked(|v| v.weight);
                        view! {
                            <div class="field">
                                <label for=id("weight")>"Weight in the rotation"</label>
                                <input id=id("weight") name="weight" type="number" inputmode="numeric" min="1" max="100"
                                    value=weight.to_string()
                                    on:input=move |ev| {
                                        let w = event_target_value(&ev).trim().parse::<u32>().unwrap_or(0);
                                        edit(Box::new(move |v| v.weight = w));
                                    } />
                                <p class="field-hint">"1–100, relative to the other variants: 50 and 50 split evenly."</p>
                            </div>
                        }.into_any()
                    }
                    VariantChoice::ByWebsiteStatus => view! {
                        <fieldset class="field">
                            <legend>"For leads whose website is"</legend>
                            <div class="day-list">
                                {WebsiteStatus::ALL.into_iter().map(|s| view! {
                                    <label class="day">
                                        <input type="checkbox" name="website_statuses" value=s.as_str()
                                            prop:checked=move || variant.with(|v| v.website_statuses.contains(&s))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                edit(Box::new(move |v| {
                                                    v.website_statuses.retain(|x| *x != s);
                                                    if on { v.website_statuses.push(s); }
                                                }));
                                            } />
                                        {s.label()}
                                    </label>
                                }).collect_view()}
                            </div>
                            <p class="field-hint">{if index == 0 { "The first variant also takes every lead no variant names." } else { "" }}</p>
                        </fieldset>
                    }.into_any(),
                }}
                {show(move || many.get(), move || view! {
                    <div class="form-actions variant-remove">
                        <button type="button" class="btn btn-small btn-danger" on:click=remove>"Remove this variant"</button>
                    </div>
                }.into_any())}
            </div>
            <aside class="phone-preview" aria-label="Preview">
                <p class="phone-preview-title">
                    {move || match preview.get() {
                        Some(Ok(p)) => p.lead_name.map_or_else(|| "Preview".to_owned(), |lead| format!("Preview for {lead}")),
                        _ => "Preview".to_owned(),
                    }}
                </p>
                <div class="phone-screen">
                    {move || match preview.get() {
                        Some(Ok(rendered)) => view! {
                            <div class="bubble bubble-out preview-bubble">
                                {move || variant.with(|v| v.attachment).map(|id| {
                                    let name = wiz.files.with(|f| f.get(&id).map(|f| f.file_name.clone()))
                                        .unwrap_or_else(|| "Attached file".to_owned());
                                    view! { <p class="bubble-file"><span aria-hidden="true">"📄 "</span>{name}</p> }
                                })}
                                <p class="bubble-body">{rendered.text.clone()}</p>
                            </div>
                            {move || match variant.with(|v| v.extra.clone()) {
                                VariantExtra::Location { name, address, latitude, longitude } => Some(view! {
                                    <div class="bubble bubble-out preview-bubble preview-extra">
                                        <p>"📍 "{name.unwrap_or_else(|| format!("{latitude:.5}, {longitude:.5}"))}</p>
                                        {address.map(|a| view! { <p class="muted small">{a}</p> })}
                                    </div>
                                }.into_any()),
                                VariantExtra::Contact { name, phone } => Some(view! {
                                    <div class="bubble bubble-out preview-bubble preview-extra">
                                        <p>"👤 "{name}</p><p class="muted small">{phone}</p>
                                    </div>
                                }.into_any()),
                                VariantExtra::None => None,
                            }}
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
                        Some(Err(message)) => view! { <p class="preview-warning">{message}</p> }.into_any(),
                        None => view! { <p class="muted preview-empty">"Write the message to see it as the first recipient would."</p> }.into_any(),
                    }}
                </div>
                <form class="test-send" on:submit=send_test novalidate>
                    <label for=id("test")>{format!("Send a test to (up to {MAX_TEST_NUMBERS} numbers)")}</label>
                    <div class="inline-form">
                        <input id=id("test") name="test_numbers" type="tel" inputmode="tel" placeholder="+254712345678, +254733555777"
                            aria-describedby=id("test-error")
                            prop:value=move || test_numbers.get() on:input=move |ev| test_numbers.set(event_target_value(&ev)) />
                        <button type="submit" class="btn btn-small"
                            disabled=move || testing.get() || test_numbers.with(|t| t.trim().is_empty()) || body_problem.get().is_some()>
                            {move || if testing.get() { "Sending…" } else { "Send test" }}
                        </button>
                    </div>
                    <p class="field-error" id=id("test-error") role="alert">{move || test_error.get()}</p>
                </form>
            </aside>
        </div>
    }
}

/// Edits the variant's location pin.
fn edit_location(
    wiz: Wizard,
    index: usize,
    change: impl FnOnce(&mut f64, &mut f64, &mut Option<String>, &mut Option<String>),
) {
    wiz.update(&format!("variants.{index}"), |f| {
        if let Some(Variant {
            extra:
                VariantExtra::Location {
                    latitude,
                    longitude,
                    name,
                    address,
                },
            ..
        }) = f.variants.get_mut(index)
        {
            change(latitude, longitude, name, address);
        }
    });
}

#[component]
fn LocationFields(wiz: Wizard, index: usize) -> impl IntoView {
    let (lat, lng, name, address) =
        wiz.form
            .with_untracked(|f| match f.variants.get(index).map(|v| &v.extra) {
                Some(VariantExtra::Location {
                    latitude,
                    longitude,
                    name,
                    address,
                }) => (
                    latitude.to_string(),
                    longitude.to_string(),
                    name.clone().unwrap_or_default(),
                    address.clone().unwrap_or_default(),
                ),
                _ => Default::default(),
            });
    let number_error = RwSignal::new(None::<&'static str>);
    let id = move |name: &str| format!("variant-{index}-{name}");
    let coordinate = move |is_lat: bool| {
        move |ev: leptos::ev::Event| match event_target_value(&ev).trim().parse::<f64>() {
            Ok(value) if value.is_finite() => {
                number_error.set(None);
                edit_location(wiz, index, |lat, lng, _, _| {
                    if is_lat {
                        *lat = value;
                    } else {
                        *lng = value;
                    }
                });
            }
            _ => number_error.set(Some(
                "Latitude and longitude are numbers, like -1.2921 and 36.8219.",
            )),
        }
    };
    let optional = |text: String| (!text.trim().is_empty()).then(|| text.trim().to_owned());
    view! {
        <div class="grid-2 extra-fields">
            <div class="field">
                <label for=id("latitude")>"Latitude"</label>
                <input id=id("latitude") name="latitude" inputmode="decimal" value=lat on:input=coordinate(true) />
            </div>
            <div class="field">
                <label for=id("longitude")>"Longitude"</label>
                <input id=id("longitude") name="longitude" inputmode="decimal" value=lng on:input=coordinate(false) />
            </div>
            <div class="field">
                <label for=id("place")>"Place name"</label>
                <input id=id("place") name="place" value=name
                    on:input=move |ev| { let v = optional(event_target_value(&ev)); edit_location(wiz, index, |_, _, n, _| *n = v); } />
            </div>
            <div class="field">
                <label for=id("address")>"Address"</label>
                <input id=id("address") name="address" value=address
                    on:input=move |ev| { let v = optional(event_target_value(&ev)); edit_location(wiz, index, |_, _, _, a| *a = v); } />
            </div>
            <p class="field-error" role="alert">{move || number_error.get()}</p>
        </div>
    }
}

#[component]
fn ContactFields(wiz: Wizard, index: usize) -> impl IntoView {
    let (name, phone) =
        wiz.form
            .with_untracked(|f| match f.variants.get(index).map(|v| &v.extra) {
                Some(VariantExtra::Contact { name, phone }) => (name.clone(), phone.clone()),
                _ => Default::default(),
            });
    let id = move |name: &str| format!("variant-{index}-{name}");
    let set = move |is_name: bool, value: String| {
        wiz.update(&format!("variants.{index}"), |f| {
            if let Some(Variant {
                extra: VariantExtra::Contact { name, phone },
                ..
            }) = f.variants.get_mut(index)
            {
                if is_name {
                    *name = value;
                } else {
                    *phone = value;
                }
            }
        });
    };
    view! {
        <div class="grid-2 extra-fields">
            <div class="field">
                <label for=id("contact-name")>"Contact name"</label>
                <input id=id("contact-name") name="contact_name" value=name on:input=move |ev| set(true, event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for=id("contact-phone")>"Contact number"</label>
                <input id=id("contact-phone") name="contact_phone" type="tel" inputmode="tel" value=phone
                    on:input=move |ev| set(false, event_target_value(&ev)) />
            </div>
        </div>
    }
}
