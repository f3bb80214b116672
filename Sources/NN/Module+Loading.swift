import Foundation
import TensorCore
import TensorStream

extension Module {
    /// Replaces every parameter's value with the checkpoint tensor of the same key.
    ///
    /// With `strict` (the default) a missing key, an unused key or a shape mismatch is an error listing every
    /// such key with both shapes; nothing is changed unless everything fits. Without `strict`, unused and
    /// missing keys are skipped (shape mismatches are still errors).
    public func load(_ weights: [String: Tensor], strict: Bool = true, file: String? = nil) throws {
        let params = parameters()
        var problems: [LoadingError.Problem] = []
        var mismatches: [LoadingError.Problem] = []
        var used = Set<String>()
        for (key, v) in params {
            guard let t = weights[key] else {
                if strict { problems.append(.missing(key: key, expected: v.shape)) }
                continue
            }
            used.insert(key)
            if t.shape != v.shape { mismatches.append(.shapeMismatch(key: key, expected: v.shape, found: t.shape)) }
        }
        problems += mismatches
        if strict {
            for key in weights.keys.sorted() where !used.contains(key) {
                problems.append(.unused(key: key, shape: weights[key]?.shape ?? []))
            }
        }
        guard problems.isEmpty else { throw LoadingError(problems: problems, file: file) }
        for (key, v) in params {
            if let t = weights[key] { try v.update(t) }
        }
    }

    /// Loads a `.safetensors` file (any float dtype, converted to float32) through `keyMap`, strictly by default.
    public func load(contentsOf path: String, keyMap: KeyMap = KeyMap(), strict: Bool = true) throws {
        let file: WeightFile
        do {
            file = try WeightFile(contentsOf: path)
        } catch {
            throw ModelFileError.unreadable(path: path, reason: "\(error)")
        }
        try load(keyMap.apply(file.tensors), strict: strict, file: path)
    }

    /// Loads a list of named tensors through `keyMap`.
    public func load(_ tensors: [(name: String, tensor: Tensor)], keyMap: KeyMap, strict: Bool = true) throws {
        try load(keyMap.apply(tensors), strict: strict)
    }

    /// Writes the parameters as a `.safetensors` file under their keys.
    public func save(to path: String, dtype: DType = .f32, metadata: [String: String] = [:]) throws {
        try weightFile(metadata: metadata).write(to: path, dtype: dtype)
    }

    /// Number of scalar parameters.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.value.value.count } }
}
