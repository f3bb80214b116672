import Foundation
import NN

/// Deterministic pseudo-random floats in [-1, 1) (a 64-bit LCG; independent of the library's RNG).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % (1 << 24)) / Float(1 << 23) - 1
    }
    mutating func tensor(_ shape: [Int]) throws -> Tensor {
        try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in next() })
    }
}

/// Largest |x - y| / (1 + |y|).
func maxError(_ x: [Float], _ y: [Float]) -> Float {
    guard x.count == y.count else { return .infinity }
    var e: Float = 0
    for i in x.indices { e = max(e, abs(x[i] - y[i]) / (1 + abs(y[i]))) }
    return e
}

func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "nn-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-" + name
}
