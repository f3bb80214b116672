import Foundation

/// A usage error of `unclip-bench`: a bad option or value, printed as `unclip-bench: message`, exit 64.
struct BenchError: Error, CustomStringConvertible {
    let description: String
}

/// The clock a case is timed with: wall time, or (`--cpu-time`, `UNCLIP_BENCH_CPUTIME=1`) the calling thread's CPU
/// time, for per-core comparisons on a busy machine (time spent descheduled is not counted).
struct BenchClock {
    let threadCPUTime: Bool

    func now() -> Double {
        var ts = timespec()
        clock_gettime(threadCPUTime ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Runs `body` `warmups` times, then until `seconds` have passed and at least `minReps` timed runs are done;
    /// returns the sorted times in seconds.
    func measure(seconds: Double, minReps: Int, warmups: Int = 2, _ body: () throws -> Void) rethrows -> [Double] {
        for _ in 0..<warmups { try body() }
        var times: [Double] = []
        let start = now()
        while times.count < minReps || (now() - start < seconds && times.count < 10_000) {
            let t0 = now()
            try body()
            times.append(now() - t0)
        }
        return times.sorted()
    }
}

/// Prints one result line: `name  n=runs  best_ms median_ms  best_GFLOP/s median_GFLOP/s` (GFLOP/s `nan` when the
/// FLOP count is not known). `bin/bench-compare` reads the last four fields.
func report(_ name: String, flop: Double?, _ times: [Double]) {
    guard let best = times.first else { return }
    let median = times[times.count / 2]
    let f = flop ?? .nan
    print(
        String(
            format: "%@  n=%d  %9.3f %9.3f  %7.1f %7.1f", name, times.count, best * 1e3, median * 1e3, f / best * 1e-9,
            f / median * 1e-9))
    fflush(stdout)
}
