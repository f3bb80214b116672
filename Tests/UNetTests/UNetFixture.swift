import Foundation
import NN
import Testing

@testable import UNet

/// A diffusers fixture case under `Tests/Fixtures/unet/<name>/` (made by `make_fixture.py`): a model folder plus
/// `io.safetensors` with inputs and reference outputs.
struct UNetFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/unet")

    let name: String
    let io: WeightFile

    init(_ name: String) throws {
        self.name = name
        io = try WeightFile(contentsOf: UNetFixture.root.appendingPathComponent("\(name)/io.safetensors").path)
    }

    var directory: String { UNetFixture.root.appendingPathComponent(name).path }

    func tensor(_ key: String) throws -> Tensor { try io.tensor(key) }

    func has(_ key: String) -> Bool { io.tensors.contains { $0.name == key } }

    /// Max |a − b| divided by max |b| (the relative error the conformance tolerance is stated in).
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.shape == b.shape else { return .infinity }
        var diff: Float = 0, scale: Float = 0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for i in 0..<pa.count {
                    diff = max(diff, abs(pa[i] - pb[i]))
                    scale = max(scale, abs(pb[i]))
                }
            }
        }
        return scale > 0 ? diff / scale : diff
    }
}
