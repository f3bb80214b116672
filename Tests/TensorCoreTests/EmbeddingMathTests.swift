import Foundation
import Testing

@testable import TensorCore

@Suite struct EmbeddingMathTests {
    @Test func slerpFollowsTheGreatCircleAndInterpolatesLength() {
        let a: [Float] = [2, 0, 0]
        let b: [Float] = [0, 4, 0]
        let mid = EmbeddingMath.slerp(a, b, t: 0.5)
        // Halfway between the x and y axes, length halfway between 2 and 4.
        let s = Float(3 / 2.0.squareRoot())
        #expect(zip(mid, [s, s, 0]).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(EmbeddingMath.slerp(a, b, t: 0) == a)
        #expect(zip(EmbeddingMath.slerp(a, b, t: 1), b).allSatisfy { abs($0 - $1) < 1e-5 })
        let third = EmbeddingMath.slerp(a, b, t: 1.0 / 3)
        let angle = atan2(Double(third[1]), Double(third[0]))
        #expect(abs(angle - Double.pi / 6) < 1e-5)
    }

    @Test func parallelAndZeroInputsFallBackToLerp() {
        #expect(zip(EmbeddingMath.slerp([1, 1], [2, 2], t: 0.5), [1.5, 1.5]).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(EmbeddingMath.slerp([0, 0], [2, 4], t: 0.5) == [1, 2])
        #expect(EmbeddingMath.normalized([0, 0]) == [0, 0])
        #expect(EmbeddingMath.normalized([3, 4]) == [0.6, 0.8])
        #expect(EmbeddingMath.norm([3, 4]) == 5)
    }
}
