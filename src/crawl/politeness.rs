//! Per-host pacing.
//!
//! Each host gets its own GCRA limiter (governor, one cell per request) whose period is the
//! larger of the configured rate's interval and the host's robots.txt Crawl-delay, stretched
//! by a slowdown factor after 429/503 answers. On top of the limiter sit "not before" times for
//! Retry-After and for exponential backoff after errors. An error never shortens the wait
//! (AutoThrottle's rule); successes bring the slowdown back down slowly.
//! The clock is a parameter so the rules are tested without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// A monotonic clock measured from an arbitrary start.
pub trait Clock: GovernorClock<Instant = Duration> + Clone + Send + Sync + 'static {}

/// The real clock.
#[derive(Clone, Debug)]
pub struct MonotonicClock {
    start: std::time::Instant,
}

impl Default for MonotonicClock {
    fn default() -> Self {
        MonotonicClock {
            start: std::time::Instant::now(),
        }
    }
}

impl MonotonicClock {
    /// The tokio instant at which this clock reads `at`.
    pub fn instant_at(&self, at: Duration) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.start + at)
    }
}

impl GovernorClock for MonotonicClock {
    type Instant = Duration;
    fn now(&self) -> Duration {
        self.start.elapsed()
    }
}
impl Clock for MonotonicClock {}

/// A clock that moves only when told to, for tests.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        self.nanos
            .fetch_add(u64::try_from(by.as_nanos()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }
}

impl GovernorClock for ManualClock {
    type Instant = Duration;
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
}
impl Clock for ManualClock {}

#[derive(Debug, Clone)]
pub struct PacingSettings {
    /// Most requests per second to one host; 0 means no limit.
    pub rate: f64,
    /// The longest Crawl-delay honoured; a longer one is capped (and the host reported).
    pub max_crawl_delay: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Interval used when a host without a rate limit asks us to slow down.
    pub slowdown_floor: Duration,
    pub max_slowdown: u32,
}

impl Default for PacingSettings {
    fn default() -> Self {
        PacingSettings {
            rate: 1.0,
            max_crawl_delay: Duration::from_secs(60),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(120),
            slowdown_floor: Duration::from_millis(250),
            max_slowdown: 16,
        }
    }
}

type Limiter<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<Duration>>;

pub struct HostPacer<C: Clock> {
    clock: C,
    settings: PacingSettings,
    crawl_delay: Option<Duration>,
    slowdown: u32,
    successes_since_slowdown: u32,
    limiter: Option<Limiter<C>>,
    not_before: Duration,
    last_start: Option<Duration>,
}

impl<C: Clock> HostPacer<C> {
    pub fn new(clock: C, settings: PacingSettings) -> HostPacer<C> {
        let mut pacer = HostPacer {
            clock,
            settings,
            crawl_delay: None,
            slowdown: 1,
            successes_since_slowdown: 0,
            limiter: None,
            not_before: Duration::ZERO,
            last_start: None,
        };
        pacer.rebuild();
        pacer
    }

    /// The spacing between request starts now in force, if any.
    pub fn interval(&self) -> Option<Duration> {
        let from_rate = (self.settings.rate > 0.0).then(|| Duration::from_secs_f64(1.0 / self.settings.rate));
        let base = match (from_rate, self.crawl_delay) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if self.slowdown > 1 {
            let floor = base
                .unwrap_or(self.settings.slowdown_floor)
                .max(self.settings.slowdown_floor);
            Some(floor * self.slowdown)
        } else {
            base
        }
    }

    fn rebuild(&mut self) {
        self.limiter = self
            .interval()
            .and_then(Quota::with_period)
            .map(|quota| RateLimiter::direct_with_clock(quota, self.clock.clone()));
        // A fresh limiter forgets the last request: carry its spacing over.
        if let (Some(last), Some(interval)) = (self.last_start, self.interval()) {
            self.not_before = self.not_before.max(last + interval);
        }
    }

    /// Takes the host's next request slot, or says how long to wait for it.
    pub fn try_acquire(&mut self) -> Result<(), Duration> {
        let now = self.clock.now();
        if now < self.not_before {
            return Err(self.not_before - now);
        }
        if let Some(limiter) = &self.limiter {
            limiter.check().map_err(|not_until| not_until.wait_time_from(now))?;
        }
        self.last_start = Some(now);
        Ok(())
    }

    /// How long until the host may be asked again because of backoff or Retry-After.
    pub fn backoff_remaining(&self) -> Duration {
        self.not_before.saturating_sub(self.clock.now())
    }

    /// Applies robots.txt's Crawl-delay (capped). Returns whether it had to be capped.
    pub fn set_crawl_delay(&mut self, delay: Option<Duration>) -> bool {
        let capped = delay.is_some_and(|d| d > self.settings.max_crawl_delay);
        self.crawl_delay = delay.map(|d| d.min(self.settings.max_crawl_delay));
        self.rebuild();
        capped
    }

    pub fn on_success(&mut self) {
        if self.slowdown > 1 {
            self.successes_since_slowdown += 1;
            if self.successes_since_slowdown >= 20 {
                self.slowdown /= 2;
                self.successes_since_slowdown = 0;
                self.rebuild();
            }
        }
    }

    /// A 429 or 503: wait what the server asked (or a backoff) and slow the whole host down.
    pub fn on_throttled(&mut self, retry_after: Option<Duration>, attempt: u32, jitter: f64) -> Duration {
        let wait = retry_after.unwrap_or_else(|| self.backoff(attempt, jitter));
        self.not_before = self.not_before.max(self.clock.now() + wait);
        self.slowdown = (self.slowdown * 2).min(self.settings.max_slowdown);
        self.successes_since_slowdown = 0;
        self.rebuild();
        wait
    }

    /// A 5xx, timeout or connection error: exponential backoff with jitter.
    pub fn on_failure(&mut self, attempt: u32, jitter: f64) -> Duration {
        let wait = self.backoff(attempt, jitter);
        self.not_before = self.not_before.max(self.clock.now() + wait);
        wait
    }

    /// `base × 2^(attempt-1) × jitter`, capped; jitter is drawn from [0.5, 1.5).
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = 2f64.powi(i32::try_from(attempt.saturating_sub(1).min(20)).unwrap_or(20));
        let secs = self.settings.backoff_base.as_secs_f64() * exp * jitter.clamp(0.5, 1.5);
        Duration::from_secs_f64(secs).min(self.settings.backoff_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(rate: f64) -> (ManualClock, HostPacer<ManualClock>) {
        let clock = ManualClock::default();
        let settings = PacingSettings {
            rate,
            ..PacingSettings::default()
        };
        (clock.clone(), HostPacer::new(clock, settings))
    }

    #[test]
    fn rate_spaces_requests() {
        let (clock, mut pacer) = pacer(2.0);
        assert!(pacer.try_acquire().is_ok());
        assert_eq!(pacer.try_acquire(), Err(Duration::from_millis(500)));
        clock.advance(Duration::from_millis(499));
        assert!(pacer.try_acquire().is_err());
        clock.advance(Duration::from_millis(1));
        assert!(pacer.try_acquire().is_ok());
    }

    #[test]
    fn zero_rate_means_no_limit() {
        let (_clock, mut pacer) = pacer(0.0);
        for _ in 0..100 {
            assert!(pacer.try_acquire().is_ok());
        }
    }

    #[test]
    fn crawl_delay_applies_only_when_longer() {
        let cases = [
            (1.0, Some(3.0), 3000),
            (1.0, Some(0.5), 1000),
            (0.0, Some(2.0), 2000),
            (4.0, None, 250),
        ];
        for (rate, delay, expected_ms) in cases {
            let (_clock, mut pacer) = pacer(rate);
            pacer.set_crawl_delay(delay.map(Duration::from_secs_f64));
            assert!(pacer.try_acquire().is_ok());
            assert_eq!(
                pacer.try_acquire(),
                Err(Duration::from_millis(expected_ms)),
                "{rate} {delay:?}"
            );
        }
    }

    #[test]
    fn crawl_delay_is_capped() {
        let (_clock, mut pacer) = pacer(1.0);
        assert!(pacer.set_crawl_delay(Some(Duration::from_secs(3600))));
        assert_eq!(pacer.interval(), Some(Duration::from_secs(60)));
    }

    #[test]
    fn retry_after_is_waited_and_slows_the_host() {
        let (clock, mut pacer) = pacer(1.0);
        assert!(pacer.try_acquire().is_ok());
        pacer.on_throttled(Some(Duration::from_secs(7)), 1, 1.0);
        assert_eq!(pacer.try_acquire(), Err(Duration::from_secs(7)));
        clock.advance(Duration::from_secs(7));
        assert!(pacer.try_acquire().is_ok());
        // The host is now paced at twice the interval.
        assert_eq!(pacer.try_acquire(), Err(Duration::from_secs(2)));
    }

    #[test]
    fn successes_bring_the_slowdown_back() {
        let (clock, mut pacer) = pacer(1.0);
        pacer.on_throttled(None, 1, 1.0);
        assert_eq!(pacer.interval(), Some(Duration::from_secs(2)));
        for _ in 0..20 {
            clock.advance(Duration::from_secs(10));
            pacer.on_success();
        }
        assert_eq!(pacer.interval(), Some(Duration::from_secs(1)));
    }

    #[test]
    fn backoff_grows_exponentially_with_cap() {
        let (_clock, pacer) = pacer(1.0);
        let cases = [
            (1, 1.0, 1.0),
            (2, 1.0, 2.0),
            (3, 1.0, 4.0),
            (3, 0.5, 2.0),
            (3, 1.5, 6.0),
            (30, 1.0, 120.0),
        ];
        for (attempt, jitter, secs) in cases {
            assert_eq!(
                pacer.backoff(attempt, jitter),
                Duration::from_secs_f64(secs),
                "{attempt} {jitter}"
            );
        }
    }

    #[test]
    fn failure_never_shortens_an_existing_wait() {
        let (_clock, mut pacer) = pacer(1.0);
        pacer.on_throttled(Some(Duration::from_secs(30)), 1, 1.0);
        pacer.on_failure(1, 1.0);
        assert_eq!(pacer.try_acquire(), Err(Duration::from_secs(30)));
    }
}
