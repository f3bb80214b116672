import Testing

@testable import TensorCore

struct GEMMCase: CustomStringConvertible, Sendable {
    var m: Int, n: Int, k: Int
    var ta = false, tb = false
    var alpha: Float = 1, beta: Float = 0
    var pad = 0  // extra row stride on every operand
    var description: String { "\(m)x\(n)x\(k) ta=\(ta) tb=\(tb) α=\(alpha) β=\(beta) pad=\(pad)" }
}

/// Runs `sgemm` and the reference on one case; returns the max relative error.
func runGEMMCase(_ g: GEMMCase, pool: ThreadPool = .shared, seed: UInt64 = 1) -> (got: [Float], error: Float) {
    var rng = TestRandom(seed: seed)
    let lda = (g.ta ? g.m : g.k) + g.pad, ldb = (g.tb ? g.k : g.n) + g.pad, ldc = g.n + g.pad
    let a = rng.array((g.ta ? g.k : g.m) * lda), b = rng.array((g.tb ? g.n : g.k) * ldb)
    var c = rng.array(g.m * ldc)
    if g.beta == 0 { for i in c.indices { c[i] = .nan } }  // beta = 0 must not read C
    var expected = c
    referenceGEMM(
        transA: g.ta, transB: g.tb, m: g.m, n: g.n, k: g.k, alpha: g.alpha, a: a, lda: lda, b: b, ldb: ldb,
        beta: g.beta, c: &expected, ldc: ldc)
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                sgemm(
                    g.ta ? .transposed : .none, g.tb ? .transposed : .none, m: g.m, n: g.n, k: g.k, alpha: g.alpha,
                    a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, beta: g.beta, c: pc.baseAddress!,
                    ldc: ldc, pool: pool)
            }
        }
    }
    // Padding columns of C are outside the product and must be untouched.
    if g.beta == 0 {
        for i in 0..<g.m { for j in g.n..<ldc { expected[i * ldc + j] = c[i * ldc + j].isNaN ? 0 : 1 } }
        for i in 0..<g.m { for j in g.n..<ldc { c[i * ldc + j] = c[i * ldc + j].isNaN ? 0 : 2 } }
    }
    // Errors scale with sqrt(k) for sums of products of values in [-1, 1].
    return (c, maxRelativeError(c, expected) / Float(max(1, g.k)).squareRoot())
}

@Suite struct GEMMTests {
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (7, 13, 5), (6, 32, 1), (5, 31, 17), (13, 33, 300), (77, 96, 64), (200, 70, 257),
        (3, 2100, 20), (64, 64, 64), (193, 65, 513),
    ]

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesReference(transposes: (Bool, Bool)) {
        for (m, n, k) in GEMMTests.shapes {
            let g = GEMMCase(m: m, n: n, k: k, ta: transposes.0, tb: transposes.1)
            let r = runGEMMCase(g)
            #expect(r.error < 2e-6, "\(g)")
        }
    }

    @Test func alphaBetaAndStrides() {
        for (alpha, beta) in [(Float(1), Float(1)), (0.5, -2), (2, 0), (-1, 0.25)] {
            for pad in [0, 3] {
                for (ta, tb) in [(false, false), (true, true), (false, true)] {
                    let g = GEMMCase(m: 37, n: 45, k: 300, ta: ta, tb: tb, alpha: alpha, beta: beta, pad: pad)
                    #expect(runGEMMCase(g).error < 2e-6, "\(g)")
                }
            }
        }
    }

    @Test func modelShapeSubsets() {
        // Slices of 77×768·768×3072 (CLIP MLP) with a large K and N crossing block edges.
        let g = GEMMCase(m: 77, n: 300, k: 768, tb: true)
        #expect(runGEMMCase(g).error < 2e-6, "\(g)")
        let h = GEMMCase(m: 20, n: 2200, k: 300)
        #expect(runGEMMCase(h).error < 2e-6, "\(h)")
    }

    @Test func zeroDepthScalesC() {
        let g = GEMMCase(m: 4, n: 5, k: 0, beta: 0.5)
        #expect(runGEMMCase(g).error == 0)
        let z = GEMMCase(m: 4, n: 5, k: 0, beta: 0)
        #expect(runGEMMCase(z).got.allSatisfy { $0 == 0 })
    }

    @Test func sameBitsForAnyThreadCount() {
        let pools = [ThreadPool(threadCount: 1), ThreadPool(threadCount: 2), ThreadPool(threadCount: 3)]
        for g in [GEMMCase(m: 150, n: 170, k: 300, beta: 0.5), GEMMCase(m: 400, n: 40, k: 100, ta: true, tb: true)] {
            let results = pools.map { runGEMMCase(g, pool: $0).got }
            #expect(results[0] == results[1] && results[1] == results[2], "\(g)")
        }
    }

    @Test func prepackedWeightsMatchLinear() throws {
        // K = 600 crosses depth blocks; N = 2100 crosses column blocks and the 32-column panels; M = 77 and 3 split
        // differently over threads.
        for (m, n, k) in [(77, 2100, 600), (3, 70, 5), (1, 1, 1), (200, 33, 257)] {
            let x = try tensor([m, k], seed: 40), w = try tensor([n, k], seed: 41), b = try tensor([n], seed: 42)
            let packed = try PackedMatrix(w, transposed: true)
            #expect(packed.rows == k && packed.columns == n)
            let got = try x.linear(packedWeight: packed, bias: b), expected = try x.linear(weight: w, bias: b)
            #expect(got.scalars == expected.scalars, "\(m)x\(n)x\(k)")
            let plain = try PackedMatrix(try w.permuted([1, 0]), transposed: false)
            #expect(try x.linear(packedWeight: plain).scalars == x.linear(weight: w).scalars)
        }
        let w = try Tensor(zeros: [4, 3])
        #expect(throws: TensorError.self) {
            try Tensor(zeros: [2, 4]).linear(packedWeight: PackedMatrix(w, transposed: true))
        }
        #expect(throws: TensorError.self) { try PackedMatrix(Tensor(zeros: [2, 3, 4]), transposed: true) }
    }

    @Test func batchedMatchesPerMatrix() {
        var rng = TestRandom(seed: 7)
        let batch = 5, m = 9, n = 40, k = 11
        let a = rng.array(batch * m * k), b = rng.array(k * n)  // B broadcast with stride 0
        var c = [Float](repeating: 0, count: batch * m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemmBatched(
                        .none, .none, batch: batch, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: k,
                        strideA: m * k, b: pb.baseAddress!, ldb: n, strideB: 0, beta: 0, c: pc.baseAddress!,
                        ldc: n, strideC: m * n)
                }
            }
        }
        for i in 0..<batch {
            var expected = [Float](repeating: 0, count: m * n)
            referenceGEMM(
                transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: Array(a[(i * m * k)..<((i + 1) * m * k)]),
                lda: k, b: b, ldb: n, beta: 0, c: &expected, ldc: n)
            #expect(maxRelativeError(Array(c[(i * m * n)..<((i + 1) * m * n)]), expected) < 1e-5)
        }
    }
}
