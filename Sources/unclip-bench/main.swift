// unclip-bench: measures TensorCore kernels in GFLOP/s.
//   unclip-bench gemm --size N            one square product C = A·B
//   unclip-bench gemm --m M --n N --k K [--ta] [--tb]
//   unclip-bench gemm-table               the standard shapes (squares 256–2048, model shapes)
// Common options: --reps R (timed runs, default: as many as fit in --seconds), --seconds S (default 0.5).
// Output: one line per case, `gemm M N K ta tb  best_ms median_ms  best_GFLOP/s median_GFLOP/s`.
// Threads: UNCLIP_THREADS, else all cores.
import Foundation
import TensorCore

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Runs `body` until `seconds` have passed (at least `minReps` times, after 2 warm-ups); returns times in s.
func measure(seconds: Double, minReps: Int, _ body: () -> Void) -> [Double] {
    body(); body()
    var times: [Double] = []
    let start = now()
    while times.count < minReps || (now() - start < seconds && times.count < 10_000) {
        let t0 = now()
        body()
        times.append(now() - t0)
    }
    return times.sorted()
}

struct Options {
    var m = 1024, n = 1024, k = 1024
    var ta = false, tb = false
    var seconds = 0.5
    var minReps = 5
}

func parse(_ args: ArraySlice<String>) throws -> Options {
    var o = Options()
    var it = args.makeIterator()
    func int(_ name: String) throws -> Int {
        guard let s = it.next(), let v = Int(s), v > 0 else { throw BenchError(description: "\(name) needs a positive integer") }
        return v
    }
    while let a = it.next() {
        switch a {
        case "--size": let v = try int(a); o.m = v; o.n = v; o.k = v
        case "--m": o.m = try int(a)
        case "--n": o.n = try int(a)
        case "--k": o.k = try int(a)
        case "--ta": o.ta = true
        case "--tb": o.tb = true
        case "--reps": o.minReps = try int(a)
        case "--seconds":
            guard let s = it.next(), let v = Double(s), v >= 0 else { throw BenchError(description: "--seconds needs a number") }
            o.seconds = v
        default: throw BenchError(description: "unknown option \(a)")
        }
    }
    return o
}

func benchGEMM(m: Int, n: Int, k: Int, ta: Bool, tb: Bool, seconds: Double, minReps: Int) {
    let a = TensorStorage(count: m * k), b = TensorStorage(count: k * n), c = TensorStorage(count: m * n)
    for i in 0..<(m * k) { a.pointer[i] = Float(i % 97) * 0.01 - 0.3 }
    for i in 0..<(k * n) { b.pointer[i] = Float(i % 89) * 0.01 - 0.4 }
    let times = measure(seconds: seconds, minReps: minReps) {
        sgemm(ta ? .transposed : .none, tb ? .transposed : .none, m: m, n: n, k: k, alpha: 1,
              a: a.pointer, lda: ta ? m : k, b: b.pointer, ldb: tb ? k : n, beta: 0, c: c.pointer, ldc: n)
    }
    let flop = 2.0 * Double(m) * Double(n) * Double(k)
    let best = times.first!, median = times[times.count / 2]
    print(String(format: "gemm %5d %5d %5d %@ %@  %9.3f %9.3f  %7.1f %7.1f", m, n, k, ta ? "T" : "N", tb ? "T" : "N",
                 best * 1e3, median * 1e3, flop / best * 1e-9, flop / median * 1e-9))
    fflush(stdout)
}

/// The standard shapes: squares, then the model shapes (CLIP MLP, prior MLP, im2col of a 3×3 conv, 320 ch, 64×64).
let tableShapes: [(m: Int, n: Int, k: Int, ta: Bool, tb: Bool)] = [
    (256, 256, 256, false, false), (512, 512, 512, false, false), (1024, 1024, 1024, false, false),
    (2048, 2048, 2048, false, false),
    (77, 3072, 768, false, false), (77, 3072, 768, false, true),
    (81, 8192, 2048, false, false), (81, 8192, 2048, false, true),
    (320, 4096, 2880, false, false),
]

let args = CommandLine.arguments
do {
    guard args.count >= 2 else { throw BenchError(description: "usage: unclip-bench gemm|gemm-table [options]") }
    let o = try parse(args.dropFirst(2))
    FileHandle.standardError.write("unclip-bench: \(ThreadPool.shared.threadCount) threads\n".data(using: .utf8)!)
    switch args[1] {
    case "gemm":
        benchGEMM(m: o.m, n: o.n, k: o.k, ta: o.ta, tb: o.tb, seconds: o.seconds, minReps: o.minReps)
    case "gemm-table":
        for s in tableShapes {
            benchGEMM(m: s.m, n: s.n, k: s.k, ta: s.ta, tb: s.tb, seconds: o.seconds, minReps: o.minReps)
        }
    default:
        throw BenchError(description: "unknown command \(args[1])")
    }
} catch {
    FileHandle.standardError.write("unclip-bench: \(error)\n".data(using: .utf8)!)
    exit(64)
}
