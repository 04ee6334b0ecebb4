//! [`sleep_ms`]: the one pause the browser code waits on, for polling a job and for waiting
//! until typing stops before a preview is asked for.

/// Waits `ms` milliseconds in the browser (a no-op on the server, where this never runs).
pub async fn sleep_ms(ms: u32) {
    #[cfg(feature = "hydrate")]
    {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        leptos::prelude::set_timeout(
            move || {
                let _ = tx.send(());
            },
            std::time::Duration::from_millis(u64::from(ms)),
        );
        let _ = rx.await;
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}
