import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A fixed set of persistent worker threads that run parallel regions with low latency.
///
/// Waking a sleeping thread costs 25–50 µs on the target VM, while a spinning worker picks up work in
/// ~0.2 µs. Workers therefore spin on an atomic generation counter between regions and only park on a
/// condition variable after `spinLimit` seconds without work.
///
/// `run(_:)` executes `body(t)` for `t` in `0..<threadCount`; the caller is thread 0. A region started while
/// another is in progress (nested, or from a second caller thread) runs all indices serially on the caller.
public final class ThreadPool: @unchecked Sendable {
    /// The pool every kernel uses. Its size is `UNCLIP_THREADS` if set to a positive integer, else the number
    /// of online cores.
    public static let shared = ThreadPool(threadCount: ThreadPool.defaultThreadCount())
    /// A pool of one thread (the caller): runs everything inline.
    public static let serial = ThreadPool(threadCount: 1)

    /// Number of threads taking part in a region, the caller included.
    public let threadCount: Int
    /// Seconds a worker spins without work before it parks.
    public var spinLimit: Double = 0.005

    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    // Written by the caller before `generation` is bumped (release), read by workers after (acquire).
    private var job: ((Int) -> Void)?

    /// The thread count from `UNCLIP_THREADS`, else the number of online processors.
    public static func defaultThreadCount() -> Int {
        if let s = ProcessInfo.processInfo.environment["UNCLIP_THREADS"], let n = Int(s), n > 0 {
            return min(n, 256)
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Starts `threadCount - 1` worker threads (the caller is the remaining one).
    public init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
        for t in 1..<self.threadCount {
            let thread = Thread { self.workerLoop(index: t) }  // a pool lives for the whole process
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Runs `body(t)` for every `t` in `0..<threadCount`, in parallel, and returns when all have finished.
    public func run(_ body: (Int) -> Void) {
        if threadCount == 1 || !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            for t in 0..<threadCount { body(t) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            pending.store(threadCount - 1, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(cond)
                pthread_mutex_unlock(mutex)
            }
            escaping(0)
            // Spin for the workers; if they are late (descheduled on a busy machine), give the core away.
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 {
                spins &+= 1
                if spins > 1 << 14 { sched_yield() }
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Splits `0..<count` into one contiguous range per thread and runs `body` on each, in parallel when
    /// there are at least `2 · grain` items (`grain` ≈ items worth ~5 µs of work), else on the caller.
    public func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let parts = min(threadCount, count / max(1, grain))
        if parts <= 1 {
            body(0..<count)
            return
        }
        run { t in
            if t >= parts { return }
            let lo = count * t / parts, hi = count * (t + 1) / parts
            if lo < hi { body(lo..<hi) }
        }
    }

    private func workerLoop(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var idleSince = 0.0
            while generation.load(ordering: .acquiring) == seen {
                spins &+= 1
                // After ~20 µs idle, let other runnable threads have the core now and then.
                if spins > 1 << 14 && spins & 0xFF == 0 { sched_yield() }
                if spins & 0xFFFF == 0 {
                    let now = ThreadPool.seconds()
                    if idleSince == 0 {
                        idleSince = now
                    } else if now - idleSince > spinLimit {
                        park(seen: seen)
                        idleSince = 0
                    }
                }
            }
            seen = generation.load(ordering: .acquiring)
            job?(index)
            pending.subtract(1, ordering: .releasing)
        }
    }

    private func park(seen: Int) {
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == seen {
            pthread_cond_wait(cond, mutex)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
    }

    static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
