import Foundation
import NN

/// The checkpoint files a trainer with an optional constant-decay EMA writes: `path` (weights, AdamW state, step
/// and data stream, see `TrainingCheckpoint`) and `path.ema` (the EMA's shadow weights), each written beside and
/// renamed into place, so that an interrupted save never leaves a half-written checkpoint.
enum TrainerState {
    /// Saves the optimizer state and, when there is one, the EMA.
    static func save(
        to path: String, names: [String], optimizer: AdamW, random: PhiloxRandom, ema: ExponentialMovingAverage?,
        metadata: [String: String]
    ) throws {
        var metadata = metadata
        if let ema {
            var file = WeightFile(metadata: ["ema.updates": String(ema.updates)])
            for (i, name) in names.enumerated() { file.tensors.append((name, ema.shadow[i])) }
            try file.write(to: path + ".ema.partial")
            metadata["ema"] = "1"
        }
        try TrainingCheckpoint.save(
            to: path + ".partial", names: names, optimizer: optimizer, random: random, metadata: metadata)
        if ema != nil { try RunFolder.replace(path + ".ema", with: path + ".ema.partial") }
        try RunFolder.replace(path, with: path + ".partial")
    }

    /// Restores the optimizer state into `optimizer` and returns the data stream and the EMA (rebuilt with
    /// `emaDecay` when the trainer keeps one).
    static func restore(from path: String, names: [String], optimizer: AdamW, emaDecay: Float?) throws -> (
        random: PhiloxRandom, ema: ExponentialMovingAverage?
    ) {
        do {
            let random = try TrainingCheckpoint.restore(from: path, names: names, optimizer: optimizer)
            guard let decay = emaDecay else { return (random, nil) }
            let file = try WeightFile(contentsOf: path + ".ema")
            let shadow = try names.map { Variable.constant(try file.tensor($0)) }
            for (s, p) in zip(shadow, optimizer.parameters) where s.shape != p.shape {
                throw TensorError.shapeMismatch(op: "EMA restore", lhs: p.shape, rhs: s.shape)
            }
            return (random, ExponentialMovingAverage(parameters: shadow, decay: decay, warmup: false))
        } catch {
            throw TrainingError.badCheckpoint(path: path, reason: "\(error)")
        }
    }

    /// The weights to export under their checkpoint names: the EMA's when there is one, else the current ones.
    static func exportWeights(names: [String], optimizer: AdamW, ema: ExponentialMovingAverage?) -> WeightFile {
        var file = WeightFile()
        for (i, name) in names.enumerated() {
            file.tensors.append((name, ema?.shadow[i] ?? optimizer.parameters[i].value))
        }
        return file
    }
}
