import Foundation
import NN
import Prior

/// The fixture folder made by `Tests/Fixtures/prior/make_fixture.py`.
let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/prior").path

/// The named tensors of a fixture file.
func fixtureTensors(_ name: String) throws -> [String: Tensor] {
    let file = try WeightFile(contentsOf: fixtureDirectory + "/" + name)
    return Dictionary(file.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
}

/// A fixture tensor that must exist.
func tensor(_ tensors: [String: Tensor], _ name: String) throws -> Tensor {
    guard let t = tensors[name] else { throw FixtureError.missing(name) }
    return t
}

enum FixtureError: Error { case missing(String) }

/// max |a − b| / max |b|: the error relative to the reference's scale.
func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
    guard a.shape == b.shape else { return .infinity }
    let x = a.scalars, y = b.scalars
    var diff: Float = 0, scale: Float = 0
    for i in 0..<x.count {
        diff = max(diff, abs(x[i] - y[i]))
        scale = max(scale, abs(y[i]))
    }
    return diff / max(scale, .leastNormalMagnitude)
}

/// A small model with seeded random weights.
func randomPrior(_ configure: (inout PriorConfiguration) -> Void = { _ in }, seed: UInt64 = 1) throws
    -> PriorTransformer
{
    var c = PriorConfiguration()
    c.heads = 2
    c.headDim = 8
    c.layers = 2
    c.embeddingDim = 12
    c.textLength = 5
    configure(&c)
    let model = try PriorTransformer(c)
    try model.initializeParameters(seed: seed)
    return model
}
