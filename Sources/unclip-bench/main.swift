// unclip-bench: measures TensorCore kernels in GFLOP/s.
//   unclip-bench gemm --size N            one square product C = A·B
//   unclip-bench gemm --m M --n N --k K [--ta] [--tb] [--prepacked]
//                                         (--prepacked: B packed once beforehand, as Linear weights are)
//   unclip-bench gemm-table               the standard shapes (squares 256–2048, model shapes)
//   unclip-bench conv --batch 2 --c 320 --h 64 --w 64 --o 320 --kernel 3 [--stride 1] [--pad 1]
//   unclip-bench attention --batch 2 --heads 32 --tq 81 --tk 81 --d 64 [--causal]
//   unclip-bench groupnorm --batch 2 --c 320 --h 64 --w 64 [--groups 32]
// Common options: --reps R (timed runs, default: as many as fit in --seconds), --seconds S (default 0.5).
// Output: one line per case, `gemm M N K ta tb  best_ms median_ms  best_GFLOP/s median_GFLOP/s`.
// Threads: UNCLIP_THREADS, else all cores.
import Foundation
import TensorCore

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

/// Wall-clock time, or with `UNCLIP_BENCH_CPUTIME=1` the calling thread's CPU time (for single-thread tuning
/// on a busy machine: time spent descheduled is not counted).
let useThreadCPUTime = ProcessInfo.processInfo.environment["UNCLIP_BENCH_CPUTIME"] == "1"

func now() -> Double {
    var ts = timespec()
    clock_gettime(useThreadCPUTime ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Runs `body` until `seconds` have passed (at least `minReps` times, after 2 warm-ups); returns times in s.
func measure(seconds: Double, minReps: Int, _ body: () throws -> Void) rethrows -> [Double] {
    try body(); try body()
    var times: [Double] = []
    let start = now()
    while times.count < minReps || (now() - start < seconds && times.count < 10_000) {
        let t0 = now()
        try body()
        times.append(now() - t0)
    }
    return times.sorted()
}

struct Options {
    var m = 1024, n = 1024, k = 1024
    var ta = false, tb = false, prepacked = false
    var seconds = 0.5
    var minReps = 5
    var batch = 2, channels = 320, height = 64, width = 64, outChannels = 320, kernel = 3, stride = 1, pad = -1
    var heads = 32, tq = 81, tk = 81, headDim = 64, causal = false, groups = 32
}

func parse(_ args: ArraySlice<String>) throws -> Options {
    var o = Options()
    var it = args.makeIterator()
    func int(_ name: String) throws -> Int {
        guard let s = it.next(), let v = Int(s), v > 0 else {
            throw BenchError(description: "\(name) needs a positive integer")
        }
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
        case "--prepacked": o.prepacked = true
        case "--reps": o.minReps = try int(a)
        case "--batch": o.batch = try int(a)
        case "--c": o.channels = try int(a)
        case "--h": o.height = try int(a)
        case "--w": o.width = try int(a)
        case "--o": o.outChannels = try int(a)
        case "--kernel": o.kernel = try int(a)
        case "--stride": o.stride = try int(a)
        case "--pad":
            guard let s = it.next(), let v = Int(s), v >= 0 else {
                throw BenchError(description: "--pad needs an integer ≥ 0")
            }; o.pad = v
        case "--heads": o.heads = try int(a)
        case "--tq": o.tq = try int(a)
        case "--tk": o.tk = try int(a)
        case "--d": o.headDim = try int(a)
        case "--groups": o.groups = try int(a)
        case "--causal": o.causal = true
        case "--seconds":
            guard let s = it.next(), let v = Double(s), v >= 0 else {
                throw BenchError(description: "--seconds needs a number")
            }
            o.seconds = v
        default: throw BenchError(description: "unknown option \(a)")
        }
    }
    return o
}

func benchGEMM(m: Int, n: Int, k: Int, ta: Bool, tb: Bool, prepacked: Bool = false, seconds: Double, minReps: Int)
    throws
{
    let a = TensorStorage(count: m * k), b = TensorStorage(count: k * n), c = TensorStorage(count: m * n)
    for i in 0..<(m * k) { a.pointer[i] = Float(i % 97) * 0.01 - 0.3 }
    for i in 0..<(k * n) { b.pointer[i] = Float(i % 89) * 0.01 - 0.4 }
    let packed = prepacked ? try PackedMatrix(Tensor(shape: tb ? [n, k] : [k, n], storage: b), transposed: tb) : nil
    let times = measure(seconds: seconds, minReps: minReps) {
        if let packed {
            sgemm(
                ta ? .transposed : .none, m: m, alpha: 1, a: a.pointer, lda: ta ? m : k, packedB: packed, beta: 0,
                c: c.pointer, ldc: n)
        } else {
            sgemm(
                ta ? .transposed : .none, tb ? .transposed : .none, m: m, n: n, k: k, alpha: 1,
                a: a.pointer, lda: ta ? m : k, b: b.pointer, ldb: tb ? k : n, beta: 0, c: c.pointer, ldc: n)
        }
    }
    let flop = 2.0 * Double(m) * Double(n) * Double(k)
    let best = times.first!, median = times[times.count / 2]
    print(
        String(
            format: "gemm %5d %5d %5d %@ %@%@  %9.3f %9.3f  %7.1f %7.1f", m, n, k, ta ? "T" : "N", tb ? "T" : "N",
            prepacked ? " prepacked" : "",
            best * 1e3, median * 1e3, flop / best * 1e-9, flop / median * 1e-9))
    fflush(stdout)
}

func report(_ name: String, flop: Double, _ times: [Double]) {
    let best = times.first!, median = times[times.count / 2]
    print(
        String(
            format: "%@  %9.3f %9.3f  %7.1f %7.1f", name, best * 1e3, median * 1e3, flop / best * 1e-9,
            flop / median * 1e-9))
    fflush(stdout)
}

func random(_ shape: [Int], seed: UInt64) throws -> Tensor {
    var r = PhiloxRandom(seed: seed)
    return try r.normal(shape: shape)
}

func benchConv(_ o: Options) throws {
    let pad = o.pad >= 0 ? o.pad : o.kernel / 2
    let x = try random([o.batch, o.channels, o.height, o.width], seed: 1)
    let w = try random([o.outChannels, o.channels, o.kernel, o.kernel], seed: 2).scaled(by: 0.05)
    let b = try random([o.outChannels], seed: 3)
    var y = try x.conv2d(weight: w, bias: b, stride: o.stride, padding: pad)
    let times = try measure(seconds: o.seconds, minReps: o.minReps) {
        y = try x.conv2d(weight: w, bias: b, stride: o.stride, padding: pad)
    }
    let flop = 2.0 * Double(y.count) * Double(o.channels * o.kernel * o.kernel)
    report(
        "conv \(o.batch)x\(o.channels)x\(o.height)x\(o.width) -> \(o.outChannels) k\(o.kernel) s\(o.stride) p\(pad)",
        flop: flop, times)
}

func benchAttention(_ o: Options) throws {
    let q = try random([o.batch, o.heads, o.tq, o.headDim], seed: 1)
    let k = try random([o.batch, o.heads, o.tk, o.headDim], seed: 2)
    let v = try random([o.batch, o.heads, o.tk, o.headDim], seed: 3)
    var out = q
    let times = try measure(seconds: o.seconds, minReps: o.minReps) {
        out = try Tensor.attention(query: q, key: k, value: v, causal: o.causal)
    }
    _ = out
    let flop = 4.0 * Double(o.batch * o.heads * o.tq * o.tk * o.headDim) * (o.causal ? 0.5 : 1)
    report(
        "attention b\(o.batch) h\(o.heads) tq\(o.tq) tk\(o.tk) d\(o.headDim)\(o.causal ? " causal" : "")", flop: flop,
        times)
}

func benchGroupNorm(_ o: Options) throws {
    let x = try random([o.batch, o.channels, o.height, o.width], seed: 1)
    let w = try random([o.channels], seed: 2), b = try random([o.channels], seed: 3)
    var y = x
    let times = try measure(seconds: o.seconds, minReps: o.minReps) {
        y = try x.groupNorm(groups: o.groups, weight: w, bias: b)
    }
    _ = y
    // Reported as GB/s-like throughput: 8 flop per element is nominal; the kernel is memory bound.
    report("groupnorm \(o.batch)x\(o.channels)x\(o.height)x\(o.width) g\(o.groups)", flop: 8.0 * Double(x.count), times)
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
    guard args.count >= 2 else {
        throw BenchError(description: "usage: unclip-bench gemm|gemm-table|conv|attention|groupnorm [options]")
    }
    let o = try parse(args.dropFirst(2))
    FileHandle.standardError.write("unclip-bench: \(ThreadPool.shared.threadCount) threads\n".data(using: .utf8)!)
    switch args[1] {
    case "gemm":
        try benchGEMM(
            m: o.m, n: o.n, k: o.k, ta: o.ta, tb: o.tb, prepacked: o.prepacked, seconds: o.seconds,
            minReps: o.minReps)
    case "gemm-table":
        for s in tableShapes {
            try benchGEMM(m: s.m, n: s.n, k: s.k, ta: s.ta, tb: s.tb, seconds: o.seconds, minReps: o.minReps)
        }
    case "conv": try benchConv(o)
    case "attention": try benchAttention(o)
    case "groupnorm": try benchGroupNorm(o)
    default:
        throw BenchError(description: "unknown command \(args[1])")
    }
} catch {
    FileHandle.standardError.write("unclip-bench: \(error)\n".data(using: .utf8)!)
    exit(64)
}
