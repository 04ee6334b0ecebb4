//! Imports: upload a spreadsheet, check the detected mapping on a preview of its first rows,
//! follow the import live (the page can be reloaded or left: the job runs on the server) and
//! read its report.

use super::use_shell;
use crate::api::leads::{
    CancelImport, ConfirmImport, cancel_import, import_choose_sheet, import_status, imports,
    load_import_preview, load_import_report,
};
use crate::api::resource::resource;
use crate::api::workspace::form_options;
use crate::api::{ApiError, AppError};
use crate::components::effect::effect;
use crate::components::form::{FormAlert, form_error};
use crate::components::show::show;
use crate::components::toast::use_toaster;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::imports::{
    ColumnMapping, ColumnTarget, ImportDto, ImportPreview, ImportReport, ImportStatus, LeadField,
    OnDuplicate, StartImport,
};
use shared::workspaces::Permission;
use uuid::Uuid;

/// Thousands separators for counters ("12,345").
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "about 2 min" / "about 40 s".
fn duration_words(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("about {seconds} s"),
        60..=3599 => format!("about {} min", seconds.div_ceil(60)),
        _ => format!("about {:.1} h", seconds as f64 / 3600.0),
    }
}

#[component]
pub fn ImportsPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let slug = ctx.shell.workspace.slug.clone();
    let can_import = ctx.shell.can(Permission::LeadsManage);
    let list = resource(move || workspace, imports);
    let list_slug = slug.clone();
    view! {
        <Title text="Imports" />
        <div class="page-header">
            <h1>"Import leads"</h1>
        </div>
        {if can_import {
            view! { <Uploader slug=slug.clone() /> }.into_any()
        } else {
            view! { <p class="alert">"Your role can view imports but not start them."</p> }.into_any()
        }}
        <section class="card">
            <h2>"Recent imports"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    let slug = list_slug.clone();
                    Suspend::new(async move {
                        match list.await {
                            Ok(rows) if rows.is_empty() => view! {
                                <p class="muted empty">"No imports yet. Upload a spreadsheet above — the sample in examples/leads-sample.xlsx is a good first try."</p>
                            }.into_any(),
                            Ok(rows) => view! { <ImportTable rows slug /> }.into_any(),
                            Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn ImportTable(rows: Vec<ImportDto>, slug: String) -> impl IntoView {
    let zone = super::campaigns::workspace_zone();
    view! {
        <div class="table-wrap">
            <table class="table imports">
                <thead>
                    <tr>
                        <th scope="col">"File"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="num">"Imported"</th>
                        <th scope="col" class="num">"Updated"</th>
                        <th scope="col" class="num">"Duplicates"</th>
                        <th scope="col" class="num">"Invalid"</th>
                        <th scope="col">"When"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <td><a href=format!("/w/{}/imports/{}", slug, r.id)>{r.file_name.clone()}</a></td>
                            <td><span class=format!("badge status-{}", r.status.as_str())>{r.status.label()}</span></td>
                            <td class="num">{grouped(r.imported.into())}</td>
                            <td class="num">{grouped(r.updated.into())}</td>
                            <td class="num">{grouped(r.duplicates.into())}</td>
                            <td class="num">{grouped(r.invalid.into())}</td>
                            <td><time datetime=r.created_at.to_rfc3339()>{zone.date_time(r.created_at)}</time></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Uploader(slug: String) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let chosen = RwSignal::new(None::<String>);
    let input = NodeRef::<leptos::html::Input>::new();
    let navigate = use_navigate();
    let action = format!("/w/{slug}/imports/upload");
    let on_change = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let name = input
                .get()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
                .map(|f| f.name());
            chosen.set(name);
            error.set(None);
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = input.get().and_then(|i| i.files()).and_then(|f| f.get(0)) else {
                error.set(Some("Choose a spreadsheet first.".into()));
                return;
            };
            let slug = slug.clone();
            let navigate = navigate.clone();
            busy.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                match crate::api::upload::post_file::<ImportPreview>(
                    &format!("/w/{slug}/imports/upload"),
                    file,
                )
                .await
                {
                    Ok(preview) => {
                        navigate(
                            &format!("/w/{slug}/imports/{}", preview.import_id),
                            Default::default(),
                        );
                    }
                    Err(message) => error.set(Some(message)),
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&slug, &navigate);
    };
    view! {
        <form class="card uploader" method="post" enctype="multipart/form-data" action=action on:submit=on_submit>
            <h2>"Upload a spreadsheet"</h2>
            <label class="dropzone" class:dropzone-chosen=move || chosen.get().is_some()>
                <input type="file" name="file" node_ref=input required
                    accept=".csv,.tsv,.xlsx,.xls,.xlsb,.ods,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel,application/vnd.oasis.opendocument.spreadsheet"
                    on:change=on_change />
                <span class="dropzone-text">
                    {move || chosen.get().map_or_else(
                        || "Drop a file here or click to choose".to_owned(),
                        |name| format!("Ready: {name}"),
                    )}
                </span>
                <span class="muted">"CSV, TSV, Excel (xlsx, xls, xlsb) or OpenDocument (ods), up to 25 MB. Columns are detected in English, Spanish, Portuguese, French and Swahili."</span>
            </label>
            <FormAlert message=Signal::derive(move || error.get()) />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Reading the file…" } else { "Upload and preview" }}
                </button>
            </div>
        </form>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<Uuid>().ok()));
    // Bumped when the import starts, so the page loads its progress instead of its preview.
    let restarted = RwSignal::new(0_u32);
    // One resource for what the import's state needs (docs/benchmarks.md, "One resource per
    // page"): created here, at the top, and awaited in one place, since a resource created
    // inside another's `Suspend` does not hydrate from the server's data.
    let data = resource(
        move || (id.get(), restarted.get()),
        move |(id, _)| async move {
            let id = id.ok_or(ApiError(AppError::NotFound))?;
            let status = import_status(workspace, id).await?;
            Ok::<_, ApiError>(if status.status == ImportStatus::Draft {
                ImportState::Draft {
                    preview: load_import_preview(workspace, id).await?,
                    countries: form_options().await?.countries,
                }
            } else {
                // A report exists once rows have been written; the progress shows without it.
                let report = load_import_report(workspace, id).await.ok();
                ImportState::Started { status, report }
            })
        },
    );
    let restart = Callback::new(move |_| restarted.update(|n| *n += 1));
    view! {
        <Title text="Import" />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(ImportState::Draft { preview, countries }) => view! {
                        <PreviewForm preview countries on_started=restart />
                    }.into_any(),
                    Ok(ImportState::Started { status, report }) => {
                        view! { <ProgressStep initial=status report /> }.into_any()
                    }
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What the import page shows: a draft's preview with the countries its phone column may
/// assume, or a started import's progress with its report when there is one.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
enum ImportState {
    Draft {
        preview: ImportPreview,
        countries: Vec<(String, String)>,
    },
    Started {
        status: ImportDto,
        report: Option<ImportReport>,
    },
}

/// The `<select>` value for a column's target.
fn target_value(target: &ColumnTarget) -> String {
    match target {
        ColumnTarget::Field(f) => f.as_str().to_owned(),
        ColumnTarget::Custom => "custom".to_owned(),
        ColumnTarget::Ignore => "ignore".to_owned(),
    }
}

fn target_from(value: &str) -> ColumnTarget {
    match value {
        "custom" => ColumnTarget::Custom,
        "ignore" => ColumnTarget::Ignore,
        other => LeadField::parse(other).map_or(ColumnTarget::Custom, ColumnTarget::Field),
    }
}

#[component]
fn PreviewForm(
    preview: ImportPreview,
    countries: Vec<(String, String)>,
    on_started: Callback<()>,
) -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let slug = ctx.shell.workspace.slug.clone();
    let toaster = use_toaster();
    let navigate = use_navigate();
    let import = preview.import_id;
    let current = RwSignal::new(preview);
    let targets = RwSignal::new(
        current
            .get_untracked()
            .columns
            .iter()
            .map(|c| target_value(&c.target))
            .collect::<Vec<_>>(),
    );
    let country = RwSignal::new(current.get_untracked().default_country.unwrap_or_default());
    let policy = RwSignal::new(OnDuplicate::Skip);
    let start = ServerAction::<ConfirmImport>::new();
    let discard = ServerAction::<CancelImport>::new();
    let switching = RwSignal::new(false);

    effect(move || {
        if let Some(Ok(dto)) = start.value().get() {
            toaster.success(format!("Import of {} started.", dto.file_name));
            on_started.run(());
        }
    });
    let list_url = format!("/w/{slug}/imports");
    effect(move || {
        if let Some(Ok(())) = discard.value().get() {
            navigate(&list_url, Default::default());
        }
    });

    let choose_sheet = move |sheet: String| {
        switching.set(true);
        leptos::task::spawn_local(async move {
            match import_choose_sheet(workspace, import, sheet).await {
                Ok(p) => {
                    targets.set(p.columns.iter().map(|c| target_value(&c.target)).collect());
                    current.set(p);
                }
                Err(e) => toaster.error(e.to_string()),
            }
            switching.set(false);
        });
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = current.get_untracked();
        let chosen = targets.get_untracked();
        let columns = p
            .columns
            .iter()
            .zip(chosen.iter())
            .map(|(c, t)| ColumnMapping {
                index: c.index,
                header: c.header.clone(),
                target: target_from(t),
                confidence: c.confidence,
            })
            .collect();
        start.dispatch(ConfirmImport {
            workspace,
            import,
            form: StartImport {
                columns,
                default_country: Some(country.get_untracked()).filter(|c| !c.is_empty()),
                on_duplicate: policy.get_untracked(),
            },
        });
    };

    let error = form_error(start.value());
    let mapping_error = Signal::derive(move || {
        start.value().with(|r| match r {
            Some(Err(e)) => e
                .field_message("mapping")
                .or_else(|| e.field_message("default_country")),
            _ => None,
        })
    });

    view! {
        <div class="page-header">
            <h1>{move || format!("Check the columns of {}", current.with(|p| p.file_name.clone()))}</h1>
        </div>
        <form class="card preview" on:submit=submit>
            <p class="muted">
                {move || current.with(|p| {
                    let header = match p.header_row {
                        Some(row) => format!("Headers found on row {row}."),
                        None => "No header row: columns were recognised by their content.".to_owned(),
                    };
                    let reused = if p.mapping_reused { " The mapping you confirmed last time for these headers is applied." } else { "" };
                    format!("{} data rows. {header}{reused} Change any column below, then start the import.", grouped(p.total_rows.into()))
                })}
            </p>
            {show(move || current.with(|p| p.sheets.len() > 1), move || view! {
                <div class="field">
                    <label for="sheet">"Sheet"</label>
                    <select id="sheet" disabled=move || switching.get()
                        on:change=move |ev| choose_sheet(event_target_value(&ev))>
                        {move || current.with(|p| p.sheets.iter().map(|s| {
                            let selected = p.sheet.as_deref() == Some(s.as_str());
                            view! { <option value=s.clone() selected=selected>{s.clone()}</option> }
                        }).collect_view())}
                    </select>
                </div>
            }.into_any())}
            <div class="table-wrap">
                <table class="table preview-table">
                    <thead>
                        <tr>
                            <th scope="col">"Row"</th>
                            {move || current.with(|p| p.columns.iter().enumerate().map(|(i, c)| {
                                let confidence = c.confidence;
                                let level = if confidence >= 80 { "high" } else if confidence >= 50 { "medium" } else { "low" };
                                view! {
                                    <th scope="col">
                                        <span class="column-header">{c.header.clone()}</span>
                                        <select aria-label=format!("Column {}: {}", i + 1, c.header)
                                            prop:value=move || targets.with(|t| t.get(i).cloned().unwrap_or_default())
                                            on:change=move |ev| {
                                                let value = event_target_value(&ev);
                                                targets.update(|t| if let Some(slot) = t.get_mut(i) { *slot = value; });
                                            }>
                                            {LeadField::ALL.into_iter().map(|f| view! { <option value=f.as_str()>{f.label()}</option> }).collect_view()}
                                            <option value="custom">"Keep as custom field"</option>
                                            <option value="ignore">"Ignore"</option>
                                        </select>
                                        <span class=format!("confidence confidence-{level}")>{format!("{confidence}% sure")}</span>
                                    </th>
                                }
                            }).collect_view())}
                        </tr>
                    </thead>
                    <tbody>
                        {move || current.with(|p| p.rows.iter().map(|r| view! {
                            <tr>
                                <th scope="row" class="muted">{r.number}</th>
                                {r.cells.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}
                            </tr>
                        }).collect_view())}
                    </tbody>
                </table>
            </div>
            <div class="form-grid">
                <div class="field">
                    <label for="default_country">"Country for numbers without a country code"</label>
                    <select id="default_country" prop:value=move || country.get()
                        on:change=move |ev| country.set(event_target_value(&ev))>
                        <option value="">"None: such numbers are flagged"</option>
                        {countries.into_iter().map(|(code, name)| view! { <option value=code.clone()>{format!("{name} ({code})")}</option> }).collect_view()}
                    </select>
                </div>
                <fieldset class="field">
                    <legend>"When a phone number is already a lead"</legend>
                    {OnDuplicate::ALL.into_iter().map(|p| view! {
                        <label class="radio">
                            <input type="radio" name="on_duplicate" value=p.as_str()
                                prop:checked=move || policy.get() == p
                                on:change=move |_| policy.set(p) />
                            {p.label()}
                        </label>
                    }).collect_view()}
                </fieldset>
            </div>
            <FormAlert message=mapping_error />
            <FormAlert message=error />
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || start.pending().get()>
                    {move || if start.pending().get() { "Starting…" } else { "Start import" }}
                </button>
                <button type="button" class="btn" on:click=move |_| { discard.dispatch(CancelImport { workspace, import }); }>
                    "Discard"
                </button>
            </div>
        </form>
    }
}

#[component]
fn ProgressStep(initial: ImportDto, report: Option<ImportReport>) -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let slug = ctx.shell.workspace.slug.clone();
    let toaster = use_toaster();
    let import = initial.id;
    let dto = RwSignal::new(initial);
    let report = RwSignal::new(report);

    // Poll while the job runs; stop once it has finished.
    effect(move || {
        if dto.with(|d| d.status.is_finished()) {
            return;
        }
        let handle = set_interval_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) = import_status(workspace, import).await {
                        let was_running = !dto.with_untracked(|d| d.status.is_finished());
                        if was_running && fresh.status.is_finished() {
                            // The report is complete now; fetch it once.
                            if let Ok(fresh_report) = load_import_report(workspace, import).await {
                                report.set(Some(fresh_report));
                            }
                            match fresh.status {
                                ImportStatus::Completed => toaster.success(format!(
                                    "Import finished: {} new leads.",
                                    grouped(fresh.imported.into())
                                )),
                                ImportStatus::Cancelled => toaster.info("Import cancelled."),
                                _ => toaster.error("The import failed."),
                            }
                        }
                        dto.set(fresh);
                    }
                });
            },
            std::time::Duration::from_millis(1000),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });

    let cancel = move |_| {
        leptos::task::spawn_local(async move {
            match cancel_import(workspace, import).await {
                Ok(()) => toaster.info("Stopping the import…"),
                Err(e) => toaster.error(e.to_string()),
            }
        });
    };
    let report_slug = slug.clone();
    view! {
        <div class="page-header">
            <h1>{move || dto.with(|d| d.file_name.clone())}</h1>
            <span class=move || format!("badge status-{}", dto.with(|d| d.status.as_str()))>{move || dto.with(|d| d.status.label())}</span>
        </div>
        <section class="card">
            <div class="progress" role="progressbar" aria-label="Import progress" aria-valuemin="0" aria-valuemax="100"
                aria-valuenow=move || dto.with(|d| d.percent()).to_string()>
                <div class="progress-bar" style=move || format!("width: {}%", dto.with(|d| d.percent()))></div>
            </div>
            <p class="progress-text">
                {move || dto.with(|d| {
                    let mut text = format!("{} of {} rows", grouped(d.processed_rows.into()), grouped(d.total_rows.into()));
                    if let Some(rate) = d.rows_per_second {
                        text.push_str(&format!(" · {} rows/s", grouped(rate.round() as u64)));
                    }
                    if let Some(eta) = d.eta_seconds {
                        text.push_str(&format!(" · {} left", duration_words(eta)));
                    }
                    text
                })}
            </p>
            <Counters dto=dto />
            {show(move || dto.with(|d| d.failure.is_some()), move || view! {
                <div class="alert alert-error" role="alert">{move || dto.with(|d| d.failure.clone())}</div>
            }.into_any())}
            {show(move || dto.with(|d| !d.status.is_finished()), move || view! {
                <div class="form-actions">
                    <button class="btn" on:click=cancel disabled=move || dto.with(|d| d.cancel_requested)>
                        {move || if dto.with(|d| d.cancel_requested) { "Stopping…" } else { "Cancel import" }}
                    </button>
                    <span class="muted">"You can leave this page: the import carries on and its report stays here."</span>
                </div>
            }.into_any())}
        </section>
        {show(move || dto.with(|d| d.status.is_finished()), move || view! {
            <Report import slug=report_slug.clone() report />
        }.into_any())}
    }
}

#[component]
fn Counters(dto: RwSignal<ImportDto>) -> impl IntoView {
    let tile = move |label: &'static str, value: fn(&ImportDto) -> u32, class: &'static str| {
        view! {
            <div class=format!("stat {class}")>
                <span class="stat-value">{move || grouped(dto.with(value).into())}</span>
                <span class="stat-label">{label}</span>
            </div>
        }
    };
    view! {
        <div class="stats">
            {tile("Imported", |d| d.imported, "stat-good")}
            {tile("Updated", |d| d.updated, "")}
            {tile("Duplicates", |d| d.duplicates, "")}
            {tile("Invalid or flagged", |d| d.invalid, "stat-warn")}
            {tile("Blank rows skipped", |d| d.blank, "")}
        </div>
    }
}

#[component]
fn Report(import: Uuid, slug: String, report: RwSignal<Option<ImportReport>>) -> impl IntoView {
    let csv = format!("/w/{slug}/imports/{import}/report.csv");
    let leads = format!("/w/{slug}/leads?import={import}");
    view! {
        <section class="card">
            <div class="card-header">
                <h2>"Report"</h2>
                <div class="actions">
                    <a class="btn" href=leads>"See the imported leads"</a>
                    <a class="btn" href=csv download="">"Download the report (CSV)"</a>
                </div>
            </div>
            {move || report.with(|r| match r {
                None => view! { <p class="muted">"The report could not be loaded; reload the page."</p> }.into_any(),
                Some(r) if r.errors.is_empty() => view! { <p class="muted">"Every row was imported cleanly."</p> }.into_any(),
                Some(r) => {
                    let shown = r.errors.len().min(500);
                    let note = if shown < r.errors.len() { " (the first 500 are shown; the CSV has them all)" } else { "" };
                    view! {
                        <p class="muted">{format!("{} rows need a look{note}.", grouped(r.errors.len() as u64))}</p>
                        <div class="table-wrap">
                            <table class="table report">
                                <thead><tr><th scope="col" class="num">"Row"</th><th scope="col">"Reason"</th></tr></thead>
                                <tbody>
                                    {r.errors.iter().take(500).map(|e| view! {
                                        <tr><td class="num">{e.row}</td><td>{e.reason.clone()}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(40), "about 40 s");
        assert_eq!(duration_words(61), "about 2 min");
        assert_eq!(duration_words(7200), "about 2.0 h");
    }

    #[test]
    fn targets_round_trip() {
        for t in [
            ColumnTarget::Field(LeadField::Phone),
            ColumnTarget::Custom,
            ColumnTarget::Ignore,
        ] {
            assert_eq!(target_from(&target_value(&t)), t);
        }
    }
}
