//! File uploads from the browser to the plain multipart routes (spreadsheets, message
//! attachments), which server functions' encodings do not carry. A refusal comes back as the
//! route's own message, which names the file and the problem.

/// The JSON error body of the plain HTTP routes (`AppError`'s `IntoResponse`).
#[cfg(feature = "hydrate")]
#[derive(serde::Deserialize)]
struct ErrorBody {
    error: String,
}

/// Posts `file` as the multipart field `file` to `url` and reads the JSON answer.
#[cfg(feature = "hydrate")]
pub async fn post_file<T: serde::de::DeserializeOwned>(
    url: &str,
    file: web_sys::File,
) -> Result<T, String> {
    let form =
        web_sys::FormData::new().map_err(|_| "This browser cannot upload files.".to_owned())?;
    form.append_with_blob_and_filename("file", &file, &file.name())
        .map_err(|_| "This browser cannot upload files.".to_owned())?;
    let response = gloo_net::http::Request::post(url)
        .body(form)
        .map_err(|_| "This browser cannot upload files.".to_owned())?
        .send()
        .await
        .map_err(|_| {
            "The upload did not reach the server: check the connection and try again.".to_owned()
        })?;
    if response.ok() {
        response.json::<T>().await.map_err(|_| {
            "The server's answer could not be read; reload the page and try again.".to_owned()
        })
    } else {
        let status = response.status();
        Err(response
            .json::<ErrorBody>()
            .await
            .map(|b| b.error)
            .unwrap_or_else(|_| format!("The upload failed (HTTP {status}).")))
    }
}
