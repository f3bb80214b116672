import Foundation

/// Multinomial logistic regression fitted by L-BFGS in Double: the linear-probe trainer.
///
/// Minimises the mean cross-entropy of softmax(W x + b) plus `l2`/2 · ‖W‖² (the bias is not penalised) over
/// θ = (W [K, D] row-major, b [K]). Everything is plain sequential loops, so a fit is deterministic.
public struct LogisticRegression: Sendable {
    /// The L2 penalty on the weights (on the mean loss; sklearn's C corresponds to 1 / (C · N)).
    public var l2: Double
    /// Iteration limit.
    public var maxIterations: Int
    /// Stop when every gradient component is below this.
    public var tolerance: Double
    /// Correction pairs L-BFGS remembers.
    public var memory: Int

    public init(l2: Double = 1e-4, maxIterations: Int = 1000, tolerance: Double = 1e-7, memory: Int = 10) {
        self.l2 = l2
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.memory = memory
    }

    /// A fitted head and how the fit went.
    public struct Fit: Sendable {
        /// `[K, D]` row-major.
        public var weights: [Double]
        /// `[K]`.
        public var bias: [Double]
        /// The final objective (mean cross-entropy plus penalty).
        public var loss: Double
        /// L-BFGS iterations run.
        public var iterations: Int
        /// Whether the gradient tolerance was reached.
        public var converged: Bool
    }

    /// Fits K = `classCount` classes to `features` `[N, D]` with `labels` in 0..<K.
    public func fit(features: FeatureRows, labels: [Int], classCount: Int) throws -> Fit {
        guard features.count > 0, labels.count == features.count else {
            throw CLIPError.badInput("\(labels.count) labels for \(features.count) feature rows")
        }
        guard classCount >= 1, labels.allSatisfy({ (0..<classCount).contains($0) }) else {
            throw CLIPError.badInput("a label is outside 0..<\(classCount)")
        }
        guard l2 >= 0, l2.isFinite else { throw CLIPError.badInput("L2 penalty \(l2) is not a non-negative number") }
        let (k, d) = (classCount, features.width)
        var theta = [Double](repeating: 0, count: k * d + k)
        var (loss, gradient) = objective(theta, features: features, labels: labels, classCount: k)
        var pairs: [(s: [Double], y: [Double], rho: Double)] = []
        var iterations = 0
        var converged = maxNorm(gradient) < tolerance
        while !converged && iterations < maxIterations {
            iterations += 1
            var direction = self.direction(gradient, pairs: pairs)
            var slope = dot(gradient, direction)
            if !(slope < 0) {  // not a descent direction: forget the curvature pairs
                pairs.removeAll()
                direction = gradient.map { -$0 }
                slope = dot(gradient, direction)
            }
            // Backtracking line search with the Armijo condition; the first step is scaled to the gradient.
            var step = pairs.isEmpty ? min(1, 1 / max(maxNorm(gradient), 1e-12)) : 1
            var accepted: (theta: [Double], loss: Double, gradient: [Double])?
            for _ in 0..<60 {
                let trial = zip(theta, direction).map { $0 + step * $1 }
                let (trialLoss, trialGradient) = objective(trial, features: features, labels: labels, classCount: k)
                if trialLoss <= loss + 1e-4 * step * slope {
                    accepted = (trial, trialLoss, trialGradient)
                    break
                }
                step *= 0.5
            }
            guard let next = accepted else { break }  // no decrease possible at this precision
            let s = zip(next.theta, theta).map { $0 - $1 }
            let y = zip(next.gradient, gradient).map { $0 - $1 }
            let sy = dot(s, y)
            if sy > 1e-12 {
                pairs.append((s, y, 1 / sy))
                if pairs.count > memory { pairs.removeFirst() }
            }
            let decrease = loss - next.loss
            (theta, loss, gradient) = next
            converged = maxNorm(gradient) < tolerance
            if decrease <= 1e-15 * max(1, abs(loss)) { break }
        }
        return Fit(
            weights: Array(theta[0..<(k * d)]), bias: Array(theta[(k * d)...]), loss: loss, iterations: iterations,
            converged: converged)
    }

    /// The objective and its gradient at θ.
    func objective(_ theta: [Double], features x: FeatureRows, labels: [Int], classCount k: Int) -> (
        Double, [Double]
    ) {
        let (n, d) = (x.count, x.width)
        var gradient = [Double](repeating: 0, count: theta.count)
        var loss = 0.0
        var z = [Double](repeating: 0, count: k)
        for i in 0..<n {
            let row = i * d
            for c in 0..<k {
                var s = theta[k * d + c]
                for j in 0..<d { s += theta[c * d + j] * x.values[row + j] }
                z[c] = s
            }
            let top = z.max() ?? 0
            var sum = 0.0
            for c in 0..<k { sum += Foundation.exp(z[c] - top) }
            let logSum = top + Foundation.log(sum)
            loss += logSum - z[labels[i]]
            for c in 0..<k {
                let delta = Foundation.exp(z[c] - logSum) - (c == labels[i] ? 1 : 0)
                for j in 0..<d { gradient[c * d + j] += delta * x.values[row + j] }
                gradient[k * d + c] += delta
            }
        }
        let scale = 1 / Double(n)
        loss *= scale
        for i in gradient.indices { gradient[i] *= scale }
        for i in 0..<(k * d) {
            loss += 0.5 * l2 * theta[i] * theta[i]
            gradient[i] += l2 * theta[i]
        }
        return (loss, gradient)
    }

    /// The L-BFGS direction −H·g by the two-loop recursion.
    func direction(_ gradient: [Double], pairs: [(s: [Double], y: [Double], rho: Double)]) -> [Double] {
        var q = gradient
        var alphas = [Double](repeating: 0, count: pairs.count)
        for i in pairs.indices.reversed() {
            alphas[i] = pairs[i].rho * dot(pairs[i].s, q)
            for j in q.indices { q[j] -= alphas[i] * pairs[i].y[j] }
        }
        if let last = pairs.last {
            let gamma = dot(last.s, last.y) / max(dot(last.y, last.y), 1e-300)
            for j in q.indices { q[j] *= gamma }
        }
        for i in pairs.indices {
            let beta = pairs[i].rho * dot(pairs[i].y, q)
            for j in q.indices { q[j] += pairs[i].s[j] * (alphas[i] - beta) }
        }
        return q.map { -$0 }
    }

    func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    func maxNorm(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }
}
