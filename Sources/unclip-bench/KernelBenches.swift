import Foundation
import TensorCore

/// One GEMM `C = op(A)·op(B)`, optionally with B packed once beforehand (as inference Linear weights are).
func benchGEMM(m: Int, n: Int, k: Int, ta: Bool, tb: Bool, prepacked: Bool = false, _ o: BenchOptions) throws {
    let a = TensorStorage(count: m * k), b = TensorStorage(count: k * n), c = TensorStorage(count: m * n)
    for i in 0..<(m * k) { a.pointer[i] = Float(i % 97) * 0.01 - 0.3 }
    for i in 0..<(k * n) { b.pointer[i] = Float(i % 89) * 0.01 - 0.4 }
    let packed = prepacked ? try PackedMatrix(Tensor(shape: tb ? [n, k] : [k, n], storage: b), transposed: tb) : nil
    let times = o.clock.measure(seconds: o.seconds, minReps: o.minReps, warmups: o.warmups ?? 2) {
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
    let name = String(
        format: "gemm %5d %5d %5d %@ %@%@", m, n, k, ta ? "T" : "N", tb ? "T" : "N", prepacked ? " prepacked" : "")
    report(name, flop: 2.0 * Double(m) * Double(n) * Double(k), times)
}

/// A normal random tensor from a fixed seed.
func random(_ shape: [Int], seed: UInt64) throws -> Tensor {
    var r = PhiloxRandom(seed: seed)
    return try r.normal(shape: shape)
}

func benchConv(_ o: BenchOptions) throws {
    let pad = o.pad >= 0 ? o.pad : o.kernel / 2
    let x = try random([o.batch, o.channels, o.height, o.width], seed: 1)
    let w = try random([o.outChannels, o.channels, o.kernel, o.kernel], seed: 2).scaled(by: 0.05)
    let b = try random([o.outChannels], seed: 3)
    var y = try x.conv2d(weight: w, bias: b, stride: o.stride, padding: pad)
    let times = try o.clock.measure(seconds: o.seconds, minReps: o.minReps, warmups: o.warmups ?? 2) {
        y = try x.conv2d(weight: w, bias: b, stride: o.stride, padding: pad)
    }
    let flop = 2.0 * Double(y.count) * Double(o.channels * o.kernel * o.kernel)
    report(
        "conv \(o.batch)x\(o.channels)x\(o.height)x\(o.width) -> \(o.outChannels) k\(o.kernel) s\(o.stride) p\(pad)",
        flop: flop, times)
}

func benchAttention(_ o: BenchOptions) throws {
    let q = try random([o.batch, o.heads, o.tq, o.headDim], seed: 1)
    let k = try random([o.batch, o.heads, o.tk, o.headDim], seed: 2)
    let v = try random([o.batch, o.heads, o.tk, o.headDim], seed: 3)
    var out = q
    let times = try o.clock.measure(seconds: o.seconds, minReps: o.minReps, warmups: o.warmups ?? 2) {
        out = try Tensor.attention(query: q, key: k, value: v, causal: o.causal)
    }
    _ = out
    let flop = 4.0 * Double(o.batch * o.heads * o.tq * o.tk * o.headDim) * (o.causal ? 0.5 : 1)
    report(
        "attention b\(o.batch) h\(o.heads) tq\(o.tq) tk\(o.tk) d\(o.headDim)\(o.causal ? " causal" : "")", flop: flop,
        times)
}

func benchGroupNorm(_ o: BenchOptions) throws {
    let x = try random([o.batch, o.channels, o.height, o.width], seed: 1)
    let w = try random([o.channels], seed: 2), b = try random([o.channels], seed: 3)
    var y = x
    let times = try o.clock.measure(seconds: o.seconds, minReps: o.minReps, warmups: o.warmups ?? 2) {
        y = try x.groupNorm(groups: o.groups, weight: w, bias: b)
    }
    _ = y
    // Reported as GB/s-like throughput: 8 flop per element is nominal; the kernel is memory bound.
    report("groupnorm \(o.batch)x\(o.channels)x\(o.height)x\(o.width) g\(o.groups)", flop: 8.0 * Double(x.count), times)
}

/// The standard shapes: squares, then the model shapes (CLIP MLP, prior MLP, im2col of a 3×3 conv, 320 ch, 64×64).
let gemmTableShapes: [(m: Int, n: Int, k: Int, ta: Bool, tb: Bool)] = [
    (256, 256, 256, false, false), (512, 512, 512, false, false), (1024, 1024, 1024, false, false),
    (2048, 2048, 2048, false, false),
    (77, 3072, 768, false, false), (77, 3072, 768, false, true),
    (81, 8192, 2048, false, false), (81, 8192, 2048, false, true),
    (320, 4096, 2880, false, false),
]
