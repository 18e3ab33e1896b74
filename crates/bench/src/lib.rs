//! picket-bench: what the benchmarks and examples share, so that each figure they print is
//! measured the same way. A dev-dependency only; no library crate depends on it.
//!
//! ```
//! let before = picket_bench::process_cpu_s();
//! let n: u64 = (0..1_000_000u64).sum();
//! assert!(n > 0);
//! if let (Some(a), Some(b)) = (before, picket_bench::process_cpu_s()) {
//!     assert!(b >= a);
//! }
//! ```
//!
//! On a machine shared with other work, wall time says little; CPU time (user + system,
//! from Linux's `/proc`, in 10 ms ticks) says what a run cost. Elsewhere the readers give
//! `None` and callers fall back to the wall clock.

/// Clock ticks per second of `/proc/*/stat` (`USER_HZ`, 100 on every Linux port that
/// picket runs on).
const TICKS_PER_S: f64 = 100.0;

/// User + system CPU seconds of this process, all its threads (`/proc/self/stat`).
pub fn process_cpu_s() -> Option<f64> {
    cpu_s_of(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// User + system CPU seconds of the calling thread (`/proc/thread-self/stat`).
pub fn thread_cpu_s() -> Option<f64> {
    cpu_s_of(&std::fs::read_to_string("/proc/thread-self/stat").ok()?)
}

/// The 1-minute load average (`/proc/loadavg`), to note beside a figure; `?` elsewhere.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// utime + stime (fields 14 and 15) of a `stat` line, in seconds. The command name (field
/// 2) is in brackets and may hold spaces and brackets itself, so fields are counted after
/// the last `)`.
fn cpu_s_of(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut f = rest.split_whitespace();
    // Field 3 (the state) is the first after the bracket: utime is the 12th from there.
    let utime: u64 = f.nth(11)?.parse().ok()?;
    let stime: u64 = f.next()?.parse().ok()?;
    Some((utime + stime) as f64 / TICKS_PER_S)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_after_a_command_name_with_spaces_and_brackets() {
        // A real line's shape (Linux proc(5)), with a hostile command name.
        let line = "4242 (a b) c)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 30 0 0 20 0 1 0 \
                    99 123456 789 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assert_eq!(cpu_s_of(line), Some(2.8));
    }

    #[test]
    fn a_short_or_garbled_line_gives_none() {
        assert_eq!(cpu_s_of("4242 (x) S 1 2 3"), None);
        assert_eq!(cpu_s_of("no bracket at all"), None);
        assert_eq!(cpu_s_of("1 (x) S 1 1 1 0 -1 0 0 0 0 0 x y"), None);
    }

    #[test]
    fn this_process_and_thread_have_a_cpu_time_on_linux() {
        if cfg!(target_os = "linux") {
            let p = process_cpu_s().expect("/proc/self/stat reads");
            let t = thread_cpu_s().expect("/proc/thread-self/stat reads");
            assert!(p >= 0.0 && t >= 0.0 && t <= p + 0.01, "{p} {t}");
        }
    }
}
