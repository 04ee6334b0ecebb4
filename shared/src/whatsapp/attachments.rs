//! Attachments on one-to-one messages: the files a WhatsApp recipient can open (pdf, jpg, png,
//! doc, docx), checked by their bytes rather than their names, stored under the attachments
//! directory (outside the web root, named by id, never by the uploaded name) and handed to
//! providers as signed links that expire.

use super::AttachmentDto;
use super::provider::MediaKind;
use crate::db::entities::{attachment, message};
use crate::services::Services;
use crate::workspaces::{Permission, service::TenantCtx};
use crate::{AppError, WorkspaceId};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, prelude::*};
use std::path::{Path, PathBuf};

/// The largest attachment, in bytes: WhatsApp's document limit is far higher, but a 5 MB file
/// already takes a while on the mobile connections many recipients have.
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;

/// How long a provider's download link stays valid. The Cloud API fetches the file when it
/// sends; a gateway whose phone is offline may fetch it hours later.
const LINK_TTL: Duration = Duration::days(7);

/// Uploads no message used are removed after this long (someone attached a file and left).
pub const UNUSED_TTL: Duration = Duration::hours(24);

/// The file types an attachment may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    /// Word 97–2003 (an OLE compound file).
    Doc,
    /// Word 2007+ (a zip holding `word/document.xml`).
    Docx,
}

const ALLOWED: &str = "PDF, JPG, PNG, DOC or DOCX";

impl FileType {
    /// What the bytes are, whatever the file is called.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(PNG) {
            Some(Self::Png)
        } else if bytes.starts_with(OLE) {
            Some(Self::Doc)
        } else if bytes.starts_with(b"PK\x03\x04") && is_word_package(bytes) {
            Some(Self::Docx)
        } else if bytes[..bytes.len().min(1024)]
            .windows(5)
            .any(|window| window == b"%PDF-")
        {
            // Readers accept the header anywhere in the first kilobyte.
            Some(Self::Pdf)
        } else {
            None
        }
    }

    fn from_extension(extension: &str) -> Option<Self> {
        match extension.to_ascii_lowercase().as_str() {
            "pdf" => Some(Self::Pdf),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            "doc" => Some(Self::Doc),
            "docx" => Some(Self::Docx),
            _ => None,
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<Self> {
        [Self::Pdf, Self::Jpeg, Self::Png, Self::Doc, Self::Docx]
            .into_iter()
            .find(|kind| kind.content_type() == content_type)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Doc => "application/msword",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Jpeg => "JPG",
            Self::Png => "PNG",
            Self::Doc => "DOC",
            Self::Docx => "DOCX",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Doc => "doc",
            Self::Docx => "docx",
        }
    }

    /// Pictures arrive as images (with a preview); everything else as a document.
    pub fn media_kind(self) -> MediaKind {
        match self {
            Self::Jpeg | Self::Png => MediaKind::Image,
            Self::Pdf | Self::Doc | Self::Docx => MediaKind::Document,
        }
    }
}

fn is_word_package(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .is_ok_and(|archive| archive.index_for_name("word/document.xml").is_some())
}

/// The uploaded name as the recipient will see it: the last path component, without control,
/// direction-override or shell-special characters, at most 100 characters before an extension
/// that matches the content.
pub fn sanitize_file_name(uploaded: &str, kind: FileType) -> String {
    let base = uploaded.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = match base.rsplit_once('.') {
        Some((stem, extension)) if FileType::from_extension(extension).is_some() => stem,
        _ => base,
    };
    let mut clean = String::new();
    for c in stem.chars() {
        let keep = c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '(' | ')' | ',');
        let c = if keep { c } else { '_' };
        // Runs of spaces or replacements collapse to one.
        if (c == ' ' || c == '_') && clean.ends_with(c) {
            continue;
        }
        clean.push(c);
    }
    let clean: String = clean
        .trim_matches(|c: char| matches!(c, ' ' | '.' | '_' | '-'))
        .chars()
        .take(100)
        .collect();
    let stem = if clean.is_empty() {
        "attachment"
    } else {
        clean.trim_end()
    };
    format!("{stem}.{}", kind.extension())
}

/// Checks an upload: present, not empty, at most [`MAX_ATTACHMENT_BYTES`], an allowed
/// extension, and bytes that are what the extension says. Returns the type and the clean name;
/// the error names the file and says what to do.
pub fn check(uploaded_name: &str, bytes: &[u8]) -> Result<(FileType, String), String> {
    let base = uploaded_name.rsplit(['/', '\\']).next().unwrap_or_default();
    // For messages only: no control characters, and not a paragraph long.
    let mut shown: String = base.chars().filter(|c| !c.is_control()).take(80).collect();
    if base.chars().count() > 80 {
        shown.push('…');
    }
    if bytes.is_empty() {
        return Err(format!("“{shown}” is empty."));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(format!(
            "“{shown}” is {:.1} MB; attachments can be at most {} MB.",
            bytes.len() as f64 / 1_048_576.0,
            MAX_ATTACHMENT_BYTES / 1_048_576
        ));
    }
    let named = base
        .rsplit_once('.')
        .and_then(|(_, extension)| FileType::from_extension(extension))
        .ok_or_else(|| format!("Attach a {ALLOWED} file; “{shown}” is none of these."))?;
    let actual = FileType::sniff(bytes).ok_or_else(|| {
        format!(
            "“{shown}” is not a real {} file inside, whatever its name says.",
            named.label()
        )
    })?;
    if actual != named {
        return Err(format!(
            "“{shown}” is really a {} file, not a {}; rename it or attach the right file.",
            actual.label(),
            named.label()
        ));
    }
    Ok((actual, sanitize_file_name(base, actual)))
}

/// Where an attachment's bytes live, relative to the attachments directory.
fn relative_path(workspace: Uuid, id: Uuid) -> String {
    format!("{workspace}/{id}")
}

fn io_error(action: &str, path: &Path, error: std::io::Error) -> AppError {
    tracing::error!(%error, path = %path.display(), "attachment {action} failed");
    AppError::Internal
}

/// The attachment as the browser sees it.
pub fn dto(model: &attachment::Model) -> AttachmentDto {
    AttachmentDto {
        id: model.id,
        file_name: model.file_name.clone(),
        content_type: model.content_type.clone(),
        size_bytes: model.size_bytes.max(0) as u64,
    }
}

/// Checks and stores an upload for a message still being written.
pub async fn upload(
    svc: &Services,
    ctx: &TenantCtx,
    uploaded_name: &str,
    bytes: Vec<u8>,
) -> Result<AttachmentDto, AppError> {
    ctx.require(Permission::Send)?;
    let (kind, file_name) =
        check(uploaded_name, &bytes).map_err(|message| AppError::field("file", message))?;
    let id = Uuid::now_v7();
    let path = svc
        .settings
        .attachments_dir
        .join(relative_path(ctx.workspace_id.0, id));
    write_atomically(&path, &bytes).await?;
    let row = attachment::ActiveModel {
        id: Set(id),
        workspace_id: Set(ctx.workspace_id.0),
        uploaded_by: Set(Some(ctx.user_id.0)),
        file_name: Set(file_name),
        content_type: Set(kind.content_type().into()),
        size_bytes: Set(bytes.len() as i64),
        sha256: Set(crate::crypto::sha256_hex(&bytes)),
        created_at: Set(Utc::now()),
        used_at: Set(None),
    };
    match row.insert(&svc.db).await {
        Ok(model) => Ok(dto(&model)),
        Err(error) => {
            // No row, no file: an orphan would never be cleaned up.
            let _ = tokio::fs::remove_file(&path).await;
            Err(error.into())
        }
    }
}

/// Writes to a temporary name first, so a crash never leaves a half file under the real name.
async fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| io_error("directory", dir, e))?;
    }
    let partial = path.with_extension("part");
    tokio::fs::write(&partial, bytes)
        .await
        .map_err(|e| io_error("write", &partial, e))?;
    tokio::fs::rename(&partial, path)
        .await
        .map_err(|e| io_error("rename", path, e))
}

/// The workspace's attachment `id`, for a message about to carry it.
pub async fn find(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<attachment::Model, AppError> {
    attachment::Entity::find_by_id(id)
        .filter(attachment::Column::WorkspaceId.eq(workspace.0))
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "attachment",
                "That attachment is no longer here; attach the file again.",
            )
        })
}

/// Marks the attachment as used (by a message or a template), so housekeeping keeps it.
pub async fn mark_used(db: &impl ConnectionTrait, id: Uuid) -> Result<(), AppError> {
    attachment::Entity::update_many()
        .col_expr(attachment::Column::UsedAt, Expr::value(Utc::now()))
        .filter(attachment::Column::Id.eq(id))
        .filter(attachment::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Marks the attachment as used and fills the message row's attachment columns.
pub async fn attach_to(
    db: &impl ConnectionTrait,
    model: &attachment::Model,
    row: &mut message::ActiveModel,
) -> Result<(), AppError> {
    mark_used(db, model.id).await?;
    row.attachment_path = Set(Some(relative_path(model.workspace_id, model.id)));
    row.attachment_name = Set(Some(model.file_name.clone()));
    row.attachment_type = Set(Some(model.content_type.clone()));
    Ok(())
}

/// A link the provider downloads the file from: `{public}/media/{id}/{expires}/{sig}/{name}`.
/// The name comes last because some gateways take the document's name and type from the URL.
pub fn signed_link(svc: &Services, model: &attachment::Model, now: DateTime<Utc>) -> String {
    let expires = (now + LINK_TTL).timestamp();
    let signature = svc
        .whatsapp
        .secrets
        .sign_link(&link_data(model.id, expires));
    let name: String = url::form_urlencoded::byte_serialize(model.file_name.as_bytes()).collect();
    format!(
        "{}/media/{}/{expires}/{signature}/{name}",
        svc.settings.public_url.trim_end_matches('/'),
        model.id
    )
}

fn link_data(id: Uuid, expires: i64) -> String {
    format!("attachment:{id}:{expires}")
}

/// A file to send back: its name, type and bytes.
pub struct Download {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The file behind a signed link, if the signature is right and the link has not expired. The
/// signature is the authority here (providers have no session), so there is no workspace to
/// scope by; a wrong one answers exactly like a missing file.
pub async fn open_signed(
    svc: &Services,
    id: Uuid,
    expires: i64,
    signature: &str,
    now: DateTime<Utc>,
) -> Result<Download, AppError> {
    if expires < now.timestamp()
        || !svc
            .whatsapp
            .secrets
            .verify_link(&link_data(id, expires), signature)
    {
        return Err(AppError::NotFound);
    }
    let model = attachment::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or(AppError::NotFound)?;
    read(
        svc,
        &relative_path(model.workspace_id, model.id),
        model.file_name,
        model.content_type,
    )
    .await
}

/// The attachment of one of the workspace's messages, for its users.
pub async fn open_for_message(
    svc: &Services,
    ctx: &TenantCtx,
    message_id: Uuid,
) -> Result<Download, AppError> {
    let row = message::Entity::find_by_id(message_id)
        .filter(message::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .one(&svc.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let (Some(path), Some(name), Some(content_type)) = (
        row.attachment_path,
        row.attachment_name,
        row.attachment_type,
    ) else {
        return Err(AppError::NotFound);
    };
    // Stored paths are `{workspace}/{id}`; anything else was not written by us.
    if !path.starts_with(&format!("{}/", ctx.workspace_id.0)) || path.contains("..") {
        return Err(AppError::NotFound);
    }
    read(svc, &path, name, content_type).await
}

async fn read(
    svc: &Services,
    relative: &str,
    file_name: String,
    content_type: String,
) -> Result<Download, AppError> {
    let path: PathBuf = svc.settings.attachments_dir.join(relative);
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok(Download {
            file_name,
            content_type,
            bytes,
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(path = %path.display(), "attachment file missing");
            Err(AppError::NotFound)
        }
        Err(error) => Err(io_error("read", &path, error)),
    }
}

/// Removes uploads that no message used within [`UNUSED_TTL`]: rows and files. Returns how many.
pub async fn remove_unused(
    db: &DatabaseConnection,
    dir: &Path,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let stale = attachment::Entity::find()
        .filter(attachment::Column::UsedAt.is_null())
        .filter(attachment::Column::CreatedAt.lt(now - UNUSED_TTL))
        .all(db)
        .await?;
    let mut removed = 0;
    for model in stale {
        // The row goes only if it is still unused: a send may have taken it a moment ago.
        let gone = attachment::Entity::delete_many()
            .filter(attachment::Column::Id.eq(model.id))
            .filter(attachment::Column::UsedAt.is_null())
            .exec(db)
            .await?
            .rows_affected;
        if gone == 1 {
            let path = dir.join(relative_path(model.workspace_id, model.id));
            if let Err(error) = tokio::fs::remove_file(&path).await
                && error.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(%error, path = %path.display(), "removing an unused attachment");
            }
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf() -> Vec<u8> {
        b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec()
    }

    fn docx() -> Vec<u8> {
        use std::io::Write;
        let mut buffer = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(b"<Types/>").unwrap();
        zip.start_file("word/document.xml", options).unwrap();
        zip.write_all(b"<w:document/>").unwrap();
        zip.finish().unwrap();
        buffer.into_inner()
    }

    fn xlsx() -> Vec<u8> {
        use std::io::Write;
        let mut buffer = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buffer);
        zip.start_file("xl/workbook.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"<workbook/>").unwrap();
        zip.finish().unwrap();
        buffer.into_inner()
    }

    #[test]
    fn types_are_told_by_their_bytes() {
        assert_eq!(FileType::sniff(&pdf()), Some(FileType::Pdf));
        assert_eq!(
            FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(FileType::Jpeg)
        );
        assert_eq!(
            FileType::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(FileType::Png)
        );
        assert_eq!(
            FileType::sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Some(FileType::Doc)
        );
        assert_eq!(FileType::sniff(&docx()), Some(FileType::Docx));
        // A zip that is not a Word document (a spreadsheet, an archive) is not a DOCX.
        assert_eq!(FileType::sniff(&xlsx()), None);
        assert_eq!(FileType::sniff(b"MZ\x90\0 an executable"), None);
        assert_eq!(FileType::sniff(b"<html><script>"), None);
    }

    #[test]
    fn uploads_are_checked_by_name_size_and_content() {
        assert_eq!(check("offer.pdf", &pdf()).unwrap().0, FileType::Pdf);
        assert_eq!(check("Offer.DOCX", &docx()).unwrap().0, FileType::Docx);
        let empty = check("offer.pdf", b"").unwrap_err();
        assert!(empty.contains("empty"), "{empty}");
        let big = vec![b'a'; MAX_ATTACHMENT_BYTES + 1];
        let too_big = check("offer.pdf", &big).unwrap_err();
        assert!(too_big.contains("5 MB"), "{too_big}");
        let exe = check("setup.exe", b"MZ\x90\0").unwrap_err();
        assert!(
            exe.contains("setup.exe") && exe.contains("PDF, JPG"),
            "{exe}"
        );
        let fake = check("invoice.pdf", b"MZ\x90\0 not a pdf").unwrap_err();
        assert!(fake.contains("not a real PDF"), "{fake}");
        let renamed = check("photo.pdf", b"\x89PNG\r\n\x1a\n\0").unwrap_err();
        assert!(renamed.contains("really a PNG"), "{renamed}");
        let long_name = format!("{}.pdf", "x".repeat(200));
        assert_eq!(check(&long_name, &pdf()).unwrap().1.len(), 104);
        let no_extension = check("offer", &pdf()).unwrap_err();
        assert!(no_extension.contains("“offer”"), "{no_extension}");
    }

    #[test]
    fn names_are_sanitised() {
        let pdf = FileType::Pdf;
        assert_eq!(
            sanitize_file_name("../../etc/passwd.pdf", pdf),
            "passwd.pdf"
        );
        assert_eq!(
            sanitize_file_name("C:\\Users\\ana\\Propuesta Año 2026.pdf", pdf),
            "Propuesta Año 2026.pdf"
        );
        // A right-to-left override could disguise `exe` as `pdf` in a chat list.
        assert_eq!(
            sanitize_file_name("invoice\u{202E}fdp.pdf", pdf),
            "invoice_fdp.pdf"
        );
        assert_eq!(sanitize_file_name("<script>.pdf", pdf), "script.pdf");
        assert_eq!(sanitize_file_name("...", pdf), "attachment.pdf");
        assert_eq!(
            sanitize_file_name("photo.JPEG", FileType::Jpeg),
            "photo.jpg"
        );
        let long = format!("{}.pdf", "a".repeat(300));
        assert_eq!(sanitize_file_name(&long, pdf).len(), 104);
    }
}
