/// Everything needed to resume training bit-exactly, saved as one `.safetensors` file:
/// parameters under their own names, AdamW moments as `optimizer.m.<name>` / `optimizer.v.<name>`, and in the
/// metadata the optimizer step (`optimizer.step`) and the random stream (`rng.seed`, `rng.offset`).
public enum TrainingCheckpoint {
    /// Writes the checkpoint. `names` label `optimizer.parameters` in order.
    public static func save(
        to path: String, names: [String], optimizer: AdamW, random: PhiloxRandom,
        metadata: [String: String] = [:]
    ) throws {
        guard names.count == optimizer.parameters.count, Set(names).count == names.count else {
            throw TensorError.invalidArgument(
                op: "TrainingCheckpoint.save",
                reason: "\(names.count) distinct names for \(optimizer.parameters.count) parameters")
        }
        var file = WeightFile(metadata: metadata)
        for (i, name) in names.enumerated() { file.tensors.append((name, optimizer.parameters[i].value)) }
        for (i, name) in names.enumerated() { file.tensors.append(("optimizer.m.\(name)", optimizer.firstMoments[i])) }
        for (i, name) in names.enumerated() { file.tensors.append(("optimizer.v.\(name)", optimizer.secondMoments[i])) }
        file.metadata["optimizer.step"] = String(optimizer.step)
        file.metadata["rng.seed"] = String(random.seed)
        file.metadata["rng.offset"] = String(random.offset)
        try file.write(to: path)
    }

    /// Loads a checkpoint into `optimizer`'s parameters and state; returns the random stream to continue with.
    /// Every name must be present with the parameter's shape.
    public static func restore(from path: String, names: [String], optimizer: AdamW) throws -> PhiloxRandom {
        let file = try WeightFile(contentsOf: path)
        guard names.count == optimizer.parameters.count else {
            throw TensorError.invalidArgument(
                op: "TrainingCheckpoint.restore",
                reason: "\(names.count) names for \(optimizer.parameters.count) parameters")
        }
        guard let step = file.metadata["optimizer.step"].flatMap(Int.init),
            let seed = file.metadata["rng.seed"].flatMap(UInt64.init),
            let offset = file.metadata["rng.offset"].flatMap(UInt64.init)
        else {
            throw TensorError.invalidArgument(
                op: "TrainingCheckpoint.restore", reason: "\(path): missing step or rng metadata")
        }
        var m: [Tensor] = [], v: [Tensor] = []
        for (i, name) in names.enumerated() {
            let p = optimizer.parameters[i]
            let value = try file.tensor(name)
            guard value.shape == p.shape else {
                throw TensorError.shapeMismatch(
                    op: "TrainingCheckpoint.restore \(name)", lhs: p.shape, rhs: value.shape)
            }
            try p.update(value)
            m.append(try file.tensor("optimizer.m.\(name)"))
            v.append(try file.tensor("optimizer.v.\(name)"))
        }
        try optimizer.restore(step: step, firstMoments: m, secondMoments: v)
        return PhiloxRandom(seed: seed, offset: offset)
    }
}
