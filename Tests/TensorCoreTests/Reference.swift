// Plain reference loops and helpers the kernel tests compare against.
@testable import TensorCore

/// Deterministic pseudo-random floats in [-1, 1) (a 64-bit LCG; independent of the library's RNG).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % (1 << 24)) / Float(1 << 23) - 1
    }
    mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
}

/// C = alpha·op(A)·op(B) + beta·C with double accumulation; A, B, C row-major with the given strides.
func referenceGEMM(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int, b: [Float], ldb: Int,
    beta: Float, c: inout [Float], ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let x = transA ? a[p * lda + i] : a[i * lda + p]
                let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                s += Double(x) * Double(y)
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            c[i * ldc + j] = Float(Double(alpha) * s + old)
        }
    }
}

/// Largest |x - y| / (1 + |y|) over the arrays.
func maxRelativeError(_ x: [Float], _ y: [Float]) -> Float {
    precondition(x.count == y.count)
    var e: Float = 0
    for i in x.indices { e = max(e, abs(x[i] - y[i]) / (1 + abs(y[i]))) }
    return e
}
