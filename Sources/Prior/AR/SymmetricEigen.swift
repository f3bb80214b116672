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
        var v = [Double](repeating: 0, count: n * n)  // columns = eigenvectors while iterating
        for i in 0..<n { v[i * n + i] = 1 }
        let total = a.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<maxSweeps {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<n { off += a[i * n + j] * a[i * n + j] } }
            if off <= 1e-30 * total || off == 0 { break }
            for p in 0..<n {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    if apq == 0 { continue }
                    // Rotation P (P_pp = P_qq = c, P_pq = s, P_qp = −s) with A' = Pᵀ A P and A'_pq = 0.
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {  // A ← A P (columns p, q)
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {  // A ← Pᵀ A (rows p, q)
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    a[p * n + q] = 0
                    a[q * n + p] = 0
                    for k in 0..<n {  // V ← V P
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        values = order.map { a[$0 * n + $0] }
        var rows = [Double](repeating: 0, count: n * n)
        for (r, column) in order.enumerated() {
            var biggest = 0.0
            for k in 0..<n where abs(v[k * n + column]) > abs(biggest) { biggest = v[k * n + column] }
            let sign = biggest < 0 ? -1.0 : 1.0
            for k in 0..<n { rows[r * n + k] = sign * v[k * n + column] }
        }
        vectors = rows
        size = n
    }
}
