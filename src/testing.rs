//! Helpers shared by the unit tests.

/// A xorshift generator for randomized tests: the same numbers on every run, so a failure repeats.
/// (`seed | 1`: a zero state would stay zero.)
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// Numbers below `n` (given at each call, never 0) from [`xorshift`].
pub(crate) fn below(seed: u64) -> impl FnMut(usize) -> usize {
    let mut next = xorshift(seed);
    move |n| (next() % n as u64) as usize
}
