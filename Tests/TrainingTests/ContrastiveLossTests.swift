import Foundation
import NN
import Testing

@testable import Training

/// The symmetric contrastive loss: values, gradients against finite differences, and the surrogate on a tape.
@Suite struct ContrastiveLossTests {
    static func random(_ shape: [Int], seed: UInt64) throws -> Tensor {
        var rng = PhiloxRandom(seed: seed)
        return try rng.normal(shape: shape)
    }

    @Test func identicalEmbeddingsGiveLogB() throws {
        // Every image equally similar to every text: each softmax is uniform, loss = ln B.
        let x = try Tensor(repeating: 1, shape: [5, 4])
        let l = try ContrastiveLoss(image: x, text: x, logScale: 2)
        #expect(abs(l.loss - Float(Foundation.log(5.0))) < 1e-5)
        #expect(abs(l.logScaleGradient) < 1e-6)
    }

    @Test func alignedEmbeddingsAtHighScaleGiveNearZero() throws {
        var x = try Tensor(zeros: [4, 4])
        x.withUnsafeMutableBufferPointer { p in for i in 0..<4 { p[i * 4 + i] = 3 } }
        let l = try ContrastiveLoss(image: x, text: x, logScale: Float(Foundation.log(100.0)))
        #expect(l.loss < 1e-6)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let (b, e) = (4, 3)
        let image = try Self.random([b, e], seed: 1), text = try Self.random([b, e], seed: 2)
        let t: Float = 1.3
        let l = try ContrastiveLoss(image: image, text: text, logScale: t)
        func loss(_ i: Tensor, _ x: Tensor, _ s: Float) throws -> Double {
            Double(try ContrastiveLoss(image: i, text: x, logScale: s).loss)
        }
        let h: Float = 1e-2
        for which in 0..<2 {
            let base = which == 0 ? image : text
            let analytic = which == 0 ? l.imageGradient : l.textGradient
            for k in 0..<(b * e) {
                var plus = base, minus = base
                plus.withUnsafeMutableBufferPointer { $0[k] += h }
                minus.withUnsafeMutableBufferPointer { $0[k] -= h }
                let numeric =
                    which == 0
                    ? (try loss(plus, text, t) - loss(minus, text, t)) / Double(2 * h)
                    : (try loss(image, plus, t) - loss(image, minus, t)) / Double(2 * h)
                #expect(abs(numeric - Double(analytic[flat: k])) < 2e-3, "tower \(which) element \(k)")
            }
        }
        let numeric = (try loss(image, text, t + h) - loss(image, text, t - h)) / Double(2 * h)
        #expect(abs(numeric - Double(l.logScaleGradient)) < 2e-3)
    }

    @Test func surrogateCarriesTheGradientThroughATape() throws {
        let image = Variable(try Self.random([3, 4], seed: 5)), text = Variable(try Self.random([3, 4], seed: 6))
        let t = Variable(try Tensor(repeating: 0.7, shape: []))
        let l = try ContrastiveLoss(image: image.value, text: text.value, logScale: 0.7)
        let tape = Tape()
        try tape.backward(l.surrogate(image: image, text: text, logScale: t, tape: tape))
        #expect(image.grad?.scalars == l.imageGradient.scalars)
        #expect(text.grad?.scalars == l.textGradient.scalars)
        #expect(t.grad?[flat: 0] == l.logScaleGradient)
    }

    @Test func mismatchedShapesThrow() throws {
        #expect(throws: TrainingError.self) {
            _ = try ContrastiveLoss(image: Tensor(zeros: [2, 3]), text: Tensor(zeros: [3, 3]), logScale: 0)
        }
    }
}
