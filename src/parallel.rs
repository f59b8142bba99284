//! Work spread over the machine's cores without a thread-pool dependency: the assessment's
//! CPU work (parsing facts, reading texts, evaluating leaves) is a few coarse maps.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `items.iter().map(f).collect()` on every core (at most 8 threads), results in order.
/// Items are taken one at a time, so a few slow items do not leave a core idle.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        out.push((i, f(item)));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            // A worker only panics if `f` does; re-raise it rather than lose results.
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_and_every_item() {
        let items: Vec<u64> = (0..10_000).collect();
        let squares = super::map(&items, |x| x * x);
        assert_eq!(squares.len(), items.len());
        assert!(squares.iter().enumerate().all(|(i, s)| *s == (i as u64) * (i as u64)));
        assert!(super::map(&[] as &[u8], |x| *x).is_empty());
    }
}
