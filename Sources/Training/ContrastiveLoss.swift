import Foundation
import NN

// Follows CLIP's symmetric InfoNCE (Radford et al. 2021, Figure 3): logits = exp(t) · cos(image_i, text_j).

/// The symmetric cross-entropy over a batch similarity matrix, with its gradients, computed in double.
///
/// With `u_i = x_i / |x_i|` (images), `v_j = y_j / |y_j|` (texts), `s = exp(t)` and logits `L = s · U Vᵀ` [B, B],
/// the loss is `½ (CE_rows(L) + CE_columns(L))`, each the mean over the batch of `−log softmax` at the diagonal.
/// With `G = ½ (softmax_rows(L) − I + softmax_columns(L) − I) / B`:
/// `dL/dU = s·G·V`, `dL/dV = s·Gᵀ·U`, `dL/dt = Σ G ⊙ L`, and through the normalisation
/// `dL/dx = (dU − u (u·dU)) / |x|`.
public struct ContrastiveLoss {
    /// The loss value.
    public var loss: Float
    /// d(loss)/d(image embeddings) [B, E].
    public var imageGradient: Tensor
    /// d(loss)/d(text embeddings) [B, E].
    public var textGradient: Tensor
    /// d(loss)/d(log scale).
    public var logScaleGradient: Float
    /// Logits [B, B] (images × texts).
    public var logits: [Double]

    /// Evaluates the loss for paired rows of `image` [B, E] and `text` [B, E] at `logScale` (the parameter t).
    public init(image: Tensor, text: Tensor, logScale: Float) throws {
        guard image.rank == 2, text.rank == 2, image.shape == text.shape, image.shape[0] > 0, image.shape[1] > 0
        else {
            throw TrainingError.badInput(
                "contrastive loss needs image and text embeddings [B, E], got \(image.shape) and \(text.shape)")
        }
        let (b, e) = (image.shape[0], image.shape[1])
        let x = image.scalars.map(Double.init), y = text.scalars.map(Double.init)
        func normalize(_ m: [Double]) -> (unit: [Double], norms: [Double]) {
            var unit = m
            var norms = [Double](repeating: 0, count: b)
            for r in 0..<b {
                var s = 0.0
                for j in 0..<e { s += m[r * e + j] * m[r * e + j] }
                let n = max(s.squareRoot(), 1e-12)
                norms[r] = n
                for j in 0..<e { unit[r * e + j] /= n }
            }
            return (unit, norms)
        }
        let (u, nu) = normalize(x), (v, nv) = normalize(y)
        let s = Foundation.exp(Double(logScale))
        var logits = [Double](repeating: 0, count: b * b)
        for i in 0..<b {
            for j in 0..<b {
                var dot = 0.0
                for k in 0..<e { dot += u[i * e + k] * v[j * e + k] }
                logits[i * b + j] = s * dot
            }
        }
        // Row softmax (image → text) and column softmax (text → image).
        var g = [Double](repeating: 0, count: b * b)
        var loss = 0.0
        for i in 0..<b {
            var m = -Double.infinity
            for j in 0..<b { m = max(m, logits[i * b + j]) }
            var z = 0.0
            for j in 0..<b { z += Foundation.exp(logits[i * b + j] - m) }
            loss -= logits[i * b + i] - m - Foundation.log(z)
            for j in 0..<b { g[i * b + j] += Foundation.exp(logits[i * b + j] - m) / z }
            g[i * b + i] -= 1
        }
        for j in 0..<b {
            var m = -Double.infinity
            for i in 0..<b { m = max(m, logits[i * b + j]) }
            var z = 0.0
            for i in 0..<b { z += Foundation.exp(logits[i * b + j] - m) }
            loss -= logits[j * b + j] - m - Foundation.log(z)
            for i in 0..<b { g[i * b + j] += Foundation.exp(logits[i * b + j] - m) / z }
            g[j * b + j] -= 1
        }
        let scale = 0.5 / Double(b)
        for i in 0..<(b * b) { g[i] *= scale }
        var dt = 0.0
        for i in 0..<(b * b) { dt += g[i] * logits[i] }
        // dU = s·G·V, dV = s·Gᵀ·U, then back through the normalisations.
        var du = [Double](repeating: 0, count: b * e), dv = [Double](repeating: 0, count: b * e)
        for i in 0..<b {
            for j in 0..<b {
                let gij = s * g[i * b + j]
                if gij == 0 { continue }
                for k in 0..<e {
                    du[i * e + k] += gij * v[j * e + k]
                    dv[j * e + k] += gij * u[i * e + k]
                }
            }
        }
        func throughNorm(_ d: [Double], _ unit: [Double], _ norms: [Double]) -> [Float] {
            var out = [Float](repeating: 0, count: b * e)
            for r in 0..<b {
                var dot = 0.0
                for k in 0..<e { dot += unit[r * e + k] * d[r * e + k] }
                for k in 0..<e { out[r * e + k] = Float((d[r * e + k] - unit[r * e + k] * dot) / norms[r]) }
            }
            return out
        }
        self.loss = Float(loss * scale)
        imageGradient = try Tensor(shape: [b, e], scalars: throughNorm(du, u, nu))
        textGradient = try Tensor(shape: [b, e], scalars: throughNorm(dv, v, nv))
        logScaleGradient = Float(dt)
        self.logits = logits
    }

    /// A scalar on `tape` whose gradient with respect to `image`, `text` and `logScale` is this loss's gradient
    /// (`Σ image ⊙ dImage + Σ text ⊙ dText + t · dt`), so that `tape.backward` carries it into both towers.
    /// Its value is not the loss; read `loss` for that.
    public func surrogate(image: Variable, text: Variable, logScale: Variable?, tape: Tape) throws -> Variable {
        var total = try tape.add(
            tape.sum(tape.multiply(image, .constant(imageGradient))),
            tape.sum(tape.multiply(text, .constant(textGradient))))
        if let t = logScale {
            let dt = try Tensor(repeating: logScaleGradient, shape: t.shape)
            total = try tape.add(total, tape.sum(tape.multiply(t, .constant(dt))))
        }
        return total
    }
}
