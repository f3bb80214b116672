import TensorCore

/// Checkpoint key renames and tensor rewrites, applied in order before strict loading: one per model family
/// (OpenAI CLIP → Hugging Face, Karlo → diffusers, …), kept in one place.
///
/// Keys are matched on whole dot-separated segments, and `*` in a pattern matches any one segment (`*` in the
/// replacement repeats the matched segment in order). So `rename("ln_1", to: "layer_norm1")` turns
/// `transformer.resblocks.3.ln_1.weight` into `transformer.resblocks.3.layer_norm1.weight` but leaves
/// `ln_10` alone.
///
/// ```swift
/// let map = KeyMap([
///     .renamePrefix("transformer.resblocks", to: "text_model.encoder.layers"),
///     .split("attn.in_proj_weight", into: ["self_attn.q_proj.weight", "self_attn.k_proj.weight",
///                                           "self_attn.v_proj.weight"]),
///     .transpose("text_projection", to: "text_projection.weight"),
/// ])
/// ```
public struct KeyMap {
    /// One rewrite: given a key and its tensor, returns the replacement tensors, or nil when it does not apply.
    public struct Rule {
        public let name: String
        public let rewrite: (String, Tensor) throws -> [(String, Tensor)]?

        public init(name: String, rewrite: @escaping (String, Tensor) throws -> [(String, Tensor)]?) {
            self.name = name
            self.rewrite = rewrite
        }
    }

    /// The rules, applied in order; every tensor goes through every rule.
    public var rules: [Rule]

    public init(_ rules: [Rule] = []) { self.rules = rules }

    /// Applies every rule to every tensor and returns the result keyed by the new names.
    /// Throws when a rule fails or two tensors end up under one key.
    public func apply(_ tensors: [(name: String, tensor: Tensor)]) throws -> [String: Tensor] {
        var current: [(String, Tensor)] = tensors.map { ($0.name, $0.tensor) }
        for rule in rules {
            var next: [(String, Tensor)] = []
            next.reserveCapacity(current.count)
            for (key, t) in current {
                if let out = try rule.rewrite(key, t) { next += out } else { next.append((key, t)) }
            }
            current = next
        }
        var result: [String: Tensor] = [:]
        for (key, t) in current {
            guard result[key] == nil else { throw ModelFileError.duplicateKey(key) }
            result[key] = t
        }
        return result
    }

    /// Applies the rules to a dictionary (order of application follows sorted keys).
    public func apply(_ tensors: [String: Tensor]) throws -> [String: Tensor] {
        try apply(tensors.keys.sorted().map { ($0, tensors[$0]!) })
    }
}

extension KeyMap.Rule {
    /// Renames the first occurrence of the segment sequence `pattern` (may hold `*`) anywhere in a key.
    public static func rename(_ pattern: String, to replacement: String) -> Self {
        Self(name: "rename \(pattern)") { key, t in
            KeyPattern(pattern).replacing(in: key, with: replacement, anchored: false).map { [($0, t)] }
        }
    }

    /// Renames a key that starts with the segment sequence `pattern`.
    public static func renamePrefix(_ pattern: String, to replacement: String) -> Self {
        Self(name: "rename prefix \(pattern)") { key, t in
            KeyPattern(pattern).replacing(in: key, with: replacement, anchored: true).map { [($0, t)] }
        }
    }

    /// Drops every key that starts with the segment sequence `pattern` (buffers such as `position_ids`, the other
    /// tower of a two-tower checkpoint).
    public static func drop(_ pattern: String) -> Self {
        Self(name: "drop \(pattern)") { key, _ in
            KeyPattern(pattern).matchesPrefix(key) ? [] : nil
        }
    }

    /// Drops every key that contains the segment sequence `pattern` anywhere.
    public static func dropContaining(_ pattern: String) -> Self {
        Self(name: "drop \(pattern)") { key, _ in
            KeyPattern(pattern).range(in: key, anchored: false) != nil ? [] : nil
        }
    }

    /// Replaces a 2-D matrix stored as `x @ P` (`[in, out]`) with the `Linear` weight `[out, in]` under a new name.
    /// `pattern` must match the whole key.
    public static func transpose(_ pattern: String, to replacement: String) -> Self {
        Self(name: "transpose \(pattern)") { key, t in
            guard let k = KeyPattern(pattern).replacingWhole(key, with: replacement) else { return nil }
            guard t.rank == 2 else {
                throw ModelFileError.badTensor(key: key, shape: t.shape, reason: "expected a matrix to transpose")
            }
            return [(k, try t.permuted([1, 0]))]
        }
    }

    /// Splits a fused tensor (`in_proj_weight` [3W, W], `in_proj_bias` [3W]) into equal blocks along `axis`,
    /// stored under `names` (each replaces the matched segments).
    public static func split(_ pattern: String, into names: [String], axis: Int = 0) -> Self {
        Self(name: "split \(pattern)") { key, t in
            let p = KeyPattern(pattern)
            guard p.range(in: key, anchored: false) != nil else { return nil }
            let a = axis < 0 ? axis + t.rank : axis
            guard a >= 0, a < t.rank, !names.isEmpty, t.shape[a] % names.count == 0 else {
                throw ModelFileError.badTensor(
                    key: key, shape: t.shape, reason: "cannot split axis \(axis) into \(names.count) equal parts")
            }
            let parts = try t.split(sizes: Array(repeating: t.shape[a] / names.count, count: names.count), axis: a)
            return try zip(names, parts).map { name, part in
                guard let k = p.replacing(in: key, with: name, anchored: false) else {
                    throw ModelFileError.badTensor(
                        key: key, shape: t.shape, reason: "pattern \(pattern) no longer fits")
                }
                return (k, part)
            }
        }
    }

    /// Splits a per-head interleaved fused tensor along axis 0: rows come in chunks of `chunk` rows cycling through
    /// `names` (Karlo's `c_qkv`: [q_h0, k_h0, v_h0, q_h1, …] with `chunk` = head dim).
    public static func splitInterleaved(_ pattern: String, into names: [String], chunk: Int) -> Self {
        Self(name: "split interleaved \(pattern)") { key, t in
            let p = KeyPattern(pattern)
            guard p.range(in: key, anchored: false) != nil else { return nil }
            let n = names.count
            guard t.rank >= 1, chunk > 0, n > 0, t.shape[0] % (chunk * n) == 0 else {
                throw ModelFileError.badTensor(
                    key: key, shape: t.shape, reason: "rows are not a multiple of \(n) × \(chunk)")
            }
            let rowSize = t.count / max(1, t.shape[0]), groups = t.shape[0] / (chunk * n)
            var outs: [(String, Tensor)] = []
            for (j, name) in names.enumerated() {
                var shape = t.shape
                shape[0] = groups * chunk
                var part = try Tensor(zeros: shape)
                part.withUnsafeMutableBufferPointer { dst in
                    t.withUnsafeBufferPointer { src in
                        for g in 0..<groups {
                            let from = (g * n + j) * chunk * rowSize, to = g * chunk * rowSize
                            for i in 0..<(chunk * rowSize) { dst[to + i] = src[from + i] }
                        }
                    }
                }
                guard let k = p.replacing(in: key, with: name, anchored: false) else { continue }
                outs.append((k, part))
            }
            return outs
        }
    }

    /// Reshapes the tensor under a whole-key match (for example a conv1d `[C, C, 1]` weight into a Linear `[C, C]`).
    public static func reshape(_ pattern: String, to shape: @escaping ([Int]) -> [Int]) -> Self {
        Self(name: "reshape \(pattern)") { key, t in
            guard KeyPattern(pattern).replacingWhole(key, with: pattern) != nil else { return nil }
            do {
                return [(key, try t.reshaped(shape(t.shape)))]
            } catch {
                throw ModelFileError.badTensor(key: key, shape: t.shape, reason: "\(error)")
            }
        }
    }
}
