//! Stopping on SIGINT (Ctrl-C) and SIGTERM (systemd, docker, `timeout`).
//!
//! The first signal asks every stage to stop: the crawl abandons requests in flight (what is
//! recorded stays recorded; their URLs go back in the queue), extraction stops between
//! batches, and a report or an export in progress is dropped before it replaces anything.
//! The command then prints what it did and exits 130 (SIGINT) or 143 (SIGTERM). A second
//! signal exits at once, removing the temporary files of outputs not yet in place.

use tokio::sync::watch;

use crate::exit::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Signal::Interrupt => ExitCode::INTERRUPTED,
            Signal::Terminate => ExitCode::TERMINATED,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// A stop request shared by every stage of one command. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Shutdown {
    rx: watch::Receiver<Option<Signal>>,
    // Keeps the channel open for `never` and for tests that signal by hand.
    _tx: Option<std::sync::Arc<watch::Sender<Option<Signal>>>>,
}

impl Shutdown {
    /// Listens for SIGINT and SIGTERM. Must be called inside the tokio runtime.
    pub fn install() -> std::io::Result<Shutdown> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let (tx, rx) = watch::channel(None);
        tokio::spawn(async move {
            let mut received = 0;
            loop {
                let got = tokio::select! {
                    Some(()) = interrupt.recv() => Signal::Interrupt,
                    Some(()) = terminate.recv() => Signal::Terminate,
                    else => return,
                };
                received += 1;
                if received == 1 {
                    crate::console::err(&format!(
                        "\nzwgk: {} received, stopping; send it again to exit at once\n",
                        got.name()
                    ));
                    let _ = tx.send(Some(got));
                } else {
                    crate::atomic::remove_pending();
                    crate::console::err("zwgk: stopped at once\n");
                    std::process::exit(i32::from(got.exit_code().0));
                }
            }
        });
        Ok(Shutdown { rx, _tx: None })
    }

    /// A shutdown that never comes (the library used from tests, the demo's own server).
    pub fn never() -> Shutdown {
        let (tx, rx) = watch::channel(None);
        Shutdown {
            rx,
            _tx: Some(std::sync::Arc::new(tx)),
        }
    }

    /// A shutdown triggered by hand, and its trigger (tests).
    pub fn manual() -> (Shutdown, impl Fn(Signal)) {
        let (tx, rx) = watch::channel(None);
        let tx = std::sync::Arc::new(tx);
        let trigger = {
            let tx = tx.clone();
            move |signal| {
                let _ = tx.send(Some(signal));
            }
        };
        (Shutdown { rx, _tx: Some(tx) }, trigger)
    }

    /// The signal received, if any.
    pub fn requested(&self) -> Option<Signal> {
        *self.rx.borrow()
    }

    /// Resolves when a signal arrives (at once if one already has).
    pub async fn wait(&self) -> Signal {
        let mut rx = self.rx.clone();
        loop {
            if let Some(signal) = *rx.borrow_and_update() {
                return signal;
            }
            if rx.changed().await.is_err() {
                // The listener is gone: no signal will ever be reported.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// What a stage stopped by a signal returns instead of its result.
#[derive(Debug, thiserror::Error)]
#[error("stopped by {}", .0.name())]
pub struct Stopped(pub Signal);

/// Runs `work` unless a signal comes first; the work is then dropped where it stands.
pub async fn unless_stopped<T>(shutdown: &Shutdown, work: impl Future<Output = T>) -> Result<T, Stopped> {
    tokio::select! {
        biased;
        signal = shutdown.wait() => Err(Stopped(signal)),
        value = work => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_is_dropped_when_a_signal_comes_first() {
        let (shutdown, trigger) = Shutdown::manual();
        assert_eq!(shutdown.requested(), None);
        let finished = unless_stopped(&shutdown, async { 7 }).await;
        assert_eq!(finished.ok(), Some(7));
        trigger(Signal::Terminate);
        let stopped = unless_stopped(&shutdown, std::future::pending::<()>()).await;
        assert_eq!(stopped.err().map(|s| s.0), Some(Signal::Terminate));
        assert_eq!(Signal::Terminate.exit_code().0, 143);
        assert_eq!(shutdown.wait().await, Signal::Terminate);
    }
}
