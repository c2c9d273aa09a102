//! Work spread over the machine's cores: slices cut into one chunk a thread (at most eight),
//! the results put back in the slice's order; and freeing large values off the thread that
//! has more to do.

/// How many threads work on all cores: the machine's parallelism, at most eight.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).clamp(1, 8)
}

/// `work` applied to `items` one chunk a thread, its results in the items' order.
pub fn map_chunks<T: Sync, R: Send>(items: &[T], work: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    let chunk = items.len().div_ceil(threads()).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.chunks(chunk).map(|chunk| scope.spawn(move || work(chunk))).collect();
        handles.into_iter().flat_map(|handle| handle.join().expect("a worker thread does not panic")).collect()
    })
}

/// Drops `value` on a thread of its own, which the process does not wait for when it exits:
/// a million records' versions took most of a second to free, at the end of a command that
/// had only its answer left to print.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    // A thread that cannot be started drops the closure, and `value` with it, here.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = map_chunks(&items, |chunk| chunk.iter().map(|n| n * 2).collect());
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(map_chunks(&[] as &[u32], <[u32]>::to_vec).is_empty());
        assert!((1..=8).contains(&threads()));
    }
}
