//! Members: who is in the workspace with which role, inviting people by link (e-mailed when
//! SMTP is configured), pending invitations, role changes and removal.

use super::use_shell;
use crate::api::resource::resource;
use crate::api::workspace::{
    ChangeRole, Invite, RemoveMember, RevokeInvitation, invitations, members,
};
use crate::components::effect::effect;
use crate::components::form::{FlatActionForm, FormAlert, field_error, form_error};
use crate::components::toast::use_toaster;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::workspaces::{Permission, Role};

#[component]
pub fn MembersPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let can_manage = ctx.shell.can(Permission::MembersManage);
    let toaster = use_toaster();

    let invite = ServerAction::<Invite>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();

    let member_list = resource(
        move || (change_role.version().get(), remove.version().get()),
        move |_| members(workspace),
    );
    let pending = resource(
        move || (invite.version().get(), revoke.version().get()),
        move |_| async move {
            if can_manage {
                invitations(workspace).await
            } else {
                Ok(Vec::new())
            }
        },
    );

    for (label, value) in [
        ("Role changed.", change_role.value()),
        ("Member removed.", remove.value()),
        ("Invitation revoked.", revoke.value()),
    ] {
        effect(move || match value.get() {
            Some(Ok(())) => toaster.success(label),
            Some(Err(e)) => toaster.error(e.to_string()),
            None => {}
        });
    }
    effect(move || {
        if let Some(Ok(created)) = invite.value().get() {
            toaster.success(if created.emailed {
                format!("Invitation e-mailed to {}.", created.invitation.email)
            } else {
                format!(
                    "Invitation created for {}. Share the link below.",
                    created.invitation.email
                )
            });
        }
    });

    view! {
        <Title text="Members" />
        <div class="page-header"><h1>"Members"</h1></div>
        {can_manage.then(|| view! {
            <section class="card">
                <h2>"Invite someone"</h2>
                <FlatActionForm action=invite attr:class="form form-inline" attr:novalidate=true>
                    <FormAlert message=form_error(invite.value()) />
                    <input type="hidden" name="workspace" value=workspace.to_string() />
                    <div class="field" class:field-invalid=move || field_error(invite.value(), "email").get().is_some()>
                        <label for="invite-email">"Email"</label>
                        <input id="invite-email" name="email" type="email" maxlength="254" required />
                        <p class="field-error">{field_error(invite.value(), "email")}</p>
                    </div>
                    <div class="field">
                        <label for="invite-role">"Role"</label>
                        <select id="invite-role" name="role">
                            {Role::ALL.into_iter().rev().map(|r| view! {
                                <option value=r.as_str() selected=r == Role::Member>{r.label()}</option>
                            }).collect_view()}
                        </select>
                        <p class="field-error">{field_error(invite.value(), "role")}</p>
                    </div>
                    <button type="submit" class="btn btn-primary" disabled=move || invite.pending().get()>"Send invitation"</button>
                </FlatActionForm>
                {move || invite.value().get().and_then(Result::ok).map(|created| view! {
                    <div class="invite-link" role="status">
                        <p>
                            {if created.emailed { "We e-mailed this link to " } else { "Send this link to " }}
                            <strong>{created.invitation.email.clone()}</strong>
                            ". It works once and expires on "
                            {shared::dates::date(&created.invitation.expires_at)} "."
                        </p>
                        <input class="copy-field" readonly aria-label="Invitation link" value=created.link.clone()
                            on:focus=move |ev| {
                                let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
                                input.select();
                            } />
                    </div>
                })}
            </section>
        })}

        <section class="card">
            <h2>"People"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading members…"</p> }>
                {move || Suspend::new(async move { match member_list.await {
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Joined"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|m| {
                                        let user = m.user_id;
                                        view! {
                                            <tr>
                                                <td>{m.name.clone()} {m.is_you.then(|| view! { <span class="badge">"You"</span> })}</td>
                                                <td>{m.email.clone()}</td>
                                                <td>
                                                    {if can_manage {
                                                        view! {
                                                            <select aria-label=format!("Role of {}", m.name)
                                                                on:change=move |ev| { change_role.dispatch(ChangeRole { workspace, user, role: event_target_value(&ev) }); }>
                                                                {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == m.role>{r.label()}</option> }).collect_view()}
                                                            </select>
                                                        }.into_any()
                                                    } else {
                                                        view! { <span>{m.role.label()}</span> }.into_any()
                                                    }}
                                                </td>
                                                <td>{shared::dates::date(&m.joined_at)}</td>
                                                <td class="actions">
                                                    {(can_manage && !m.is_you).then(|| view! {
                                                        <button class="btn btn-small btn-danger" on:click=move |_| { remove.dispatch(RemoveMember { workspace, user }); }>"Remove"</button>
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }})}
            </Transition>
        </section>

        {can_manage.then(|| view! {
            <section class="card">
                <h2>"Pending invitations"</h2>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move { match pending.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted empty">"No pending invitations."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="invitation-list">
                                {list.into_iter().map(|i| {
                                    let invitation = i.id;
                                    view! {
                                        <li>
                                            <span><strong>{i.email}</strong> " as " {i.role.label()} <span class="muted">" · invited by " {i.invited_by} " · expires " {shared::dates::date(&i.expires_at)}</span></span>
                                            <button class="btn btn-small" on:click=move |_| { revoke.dispatch(RevokeInvitation { workspace, invitation }); }>"Revoke"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="muted">{e.to_string()}</p> }.into_any(),
                    }})}
                </Transition>
            </section>
        })}

        <section class="card">
            <h2>"What each role may do"</h2>
            <div class="table-wrap">
                <table class="table roles">
                    <thead><tr><th scope="col">"Permission"</th>{Role::ALL.into_iter().map(|r| view! { <th scope="col">{r.label()}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {Permission::ALL.into_iter().map(|p| view! {
                            <tr>
                                <th scope="row">{p.label()}</th>
                                {Role::ALL.into_iter().map(|r| view! { <td>{if r.allows(p) { "✓" } else { "—" }}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
