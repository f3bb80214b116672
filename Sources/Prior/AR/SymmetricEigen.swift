/// The eigen-decomposition of a real symmetric matrix, `A = V · diag(λ) · Vᵀ`, by the cyclic Jacobi method in
/// double precision: plane rotations that zero one off-diagonal element at a time, swept over all pairs until the
/// off-diagonal mass is negligible. Quadratic convergence; about n³·sweeps work (a few seconds for n = 768).
public struct SymmetricEigen: Sendable {
    /// The eigenvalues, in descending order.
    public let values: [Double]
    /// The unit eigenvectors, row-major [n, n]: row i belongs to `values[i]`. Each row's largest-magnitude entry is
    /// made positive, so the result does not depend on rotation order signs.
    public let vectors: [Double]
    /// The matrix size n.
    public let size: Int

    /// Decomposes the symmetric matrix `matrix` (row-major [size, size]). Throws when the shape is wrong, the matrix
    /// is not symmetric (relative tolerance 1e-9) or holds non-finite values.
    public init(matrix: [Double], size n: Int, maxSweeps: Int = 100) throws {
        guard n >= 1, matrix.count == n * n else {
            throw PriorError.badInput(name: "matrix", shape: [matrix.count], expected: "[\(n) × \(n)]")
        }
        guard matrix.allSatisfy(\.isFinite) else {
            throw PriorError.badInput(name: "matrix", shape: [n, n], expected: "finite values")
        }
        var a = matrix
        let scale = a.reduce(0) { max($0, abs($1)) }
        for i in 0..<n {
            for j in (i + 1)..<n where abs(a[i * n + j] - a[j * n + i]) > 1e-9 * max(scale, 1e-300) {
                throw PriorError.badInput(name: "matrix", shape: [n, n], expected: "a symmetric matrix")
            }
        }
        var w = [Double](repeating: 0, count: n * n)  // rows = eigenvectors (Vᵀ) while iterating
        for i in 0..<n { w[i * n + i] = 1 }
        let total = a.reduce(0) { $0 + $1 * $1 }
        a.withUnsafeMutableBufferPointer { a in
            w.withUnsafeMutableBufferPointer { w in
                for _ in 0..<maxSweeps {
                    var off = 0.0
                    for i in 0..<n { for j in (i + 1)..<n { off += a[i * n + j] * a[i * n + j] } }
                    if off <= 1e-30 * total || off == 0 { break }
                    for p in 0..<n { for q in (p + 1)..<n { Self.rotate(a, w, n, p, q) } }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        values = order.map { a[$0 * n + $0] }
        var rows = [Double](repeating: 0, count: n * n)
        for (r, source) in order.enumerated() {
            var biggest = 0.0
            for k in 0..<n where abs(w[source * n + k]) > abs(biggest) { biggest = w[source * n + k] }
            let sign = biggest < 0 ? -1.0 : 1.0
            for k in 0..<n { rows[r * n + k] = sign * w[source * n + k] }
        }
        vectors = rows
        size = n
    }

    /// One Jacobi rotation P (P_pp = P_qq = c, P_pq = s, P_qp = −s) with A ← Pᵀ A P zeroing A_pq, and Vᵀ ← Pᵀ Vᵀ.
    /// A is symmetric, so rows p and q are updated (contiguous) and mirrored into columns p and q.
    private static func rotate(
        _ a: UnsafeMutableBufferPointer<Double>, _ w: UnsafeMutableBufferPointer<Double>, _ n: Int, _ p: Int, _ q: Int
    ) {
        let apq = a[p * n + q]
        if apq == 0 { return }
        let app = a[p * n + p], aqq = a[q * n + q]
        let theta = (aqq - app) / (2 * apq)
        let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
        let c = 1 / (t * t + 1).squareRoot(), s = t * c
        for k in 0..<n where k != p && k != q {
            let akp = a[p * n + k], akq = a[q * n + k]
            let newP = c * akp - s * akq, newQ = s * akp + c * akq
            a[p * n + k] = newP
            a[q * n + k] = newQ
            a[k * n + p] = newP
            a[k * n + q] = newQ
        }
        a[p * n + p] = app - t * apq
        a[q * n + q] = aqq + t * apq
        a[p * n + q] = 0
        a[q * n + p] = 0
        for k in 0..<n {
            let wp = w[p * n + k], wq = w[q * n + k]
            w[p * n + k] = c * wp - s * wq
            w[q * n + k] = s * wp + c * wq
        }
    }
}
