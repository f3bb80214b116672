import StageKit
import TensorCore
import TensorStream

/// The three mixes of `unclip-mix`, each a function from one frame to one frame.
enum Mixing {
    /// Rows of a [B, ...] float tensor, each flattened.
    static func rows(_ frame: Frame, _ name: String, frameIndex: Int) throws -> [[Float]] {
        guard let t = frame[name] else {
            throw StageError(
                "frame \(frameIndex) has no tensor '\(name)' (it has: \(frame.names.joined(separator: ", ")))")
        }
        guard t.shape.count >= 2, !t.dtype.isInteger, t.shape[0] > 0 else {
            throw StageError(
                "frame \(frameIndex), tensor '\(name)': expected float [B, ...], got \(t.dtype.rawValue) \(t.shape)")
        }
        let values = try t.floats()
        let width = values.count / t.shape[0]
        return (0..<t.shape[0]).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
    }

    static func tensor(_ rows: [[Float]], rowShape: [Int]) throws -> TensorBlob {
        try TensorBlob.float32(shape: [rows.count] + rowShape, rows.flatMap { $0 })
    }

    /// Interpolates between item 0 and item 1 of a two-item frame in `steps` steps: `image.embed` by slerp,
    /// `latent` and `noise` either held at item 0 (`fixedNoise`) or slerped. Other per-item tensors (the text
    /// conditioning of the two ends) have no meaning in between and are dropped.
    static func slerp(_ frame: Frame, steps: Int, fixedNoise: Bool, frameIndex: Int) throws -> Frame {
        let embeds = try rows(frame, "image.embed", frameIndex: frameIndex)
        guard embeds.count == 2 else {
            throw StageError("frame \(frameIndex): slerp needs exactly 2 items in 'image.embed', got \(embeds.count)")
        }
        let ts = (0..<steps).map { steps == 1 ? Float(0) : Float($0) / Float(steps - 1) }
        var out = Frame(metadata: frame.metadata)
        let embedShape = Array(frame["image.embed"]?.shape.dropFirst() ?? [])
        out["image.embed"] = try tensor(
            ts.map { EmbeddingMath.slerp(embeds[0], embeds[1], t: $0) }, rowShape: embedShape)
        for name in ["latent", "noise"] where frame[name] != nil {
            let r = try rows(frame, name, frameIndex: frameIndex)
            guard r.count == 2 else {
                throw StageError("frame \(frameIndex): '\(name)' has \(r.count) items, expected 2")
            }
            let shape = Array(frame[name]?.shape.dropFirst() ?? [])
            out[name] = try tensor(
                ts.map { fixedNoise ? r[0] : EmbeddingMath.slerp(r[0], r[1], t: $0) }, rowShape: shape)
        }
        if let prompts = try frame.metadataList("prompt", frame: frameIndex), prompts.count == 2 {
            out.setMetadataList(ts.map { "slerp(\(prompts[0]) → \(prompts[1]), t=\(format($0)))" }, for: "prompt")
        } else {
            out.metadata["prompt"] = nil
        }
        return out
    }

    /// unCLIP's text diffs: with z_i the image embedding, z_t the new caption's and z_t0 the current caption's
    /// text embedding (`text.embed` rows 0 and 1; row 1 absent means an empty description, z_t0 = 0),
    /// z_d = norm(z_t − z_t0), and the outputs are slerp(z_i, z_d, θ) for each θ, at z_i's length.
    /// The inverted `latent` (and `noise`) of the image is held fixed for every output.
    static func textDiff(_ frame: Frame, angles: [Float], frameIndex: Int) throws -> Frame {
        let image = try rows(frame, "image.embed", frameIndex: frameIndex)
        let text = try rows(frame, "text.embed", frameIndex: frameIndex)
        guard image.count == 1, (1...2).contains(text.count), image[0].count == text[0].count else {
            throw StageError(
                "frame \(frameIndex): text-diff needs 'image.embed' [1, D] and 'text.embed' [1 or 2, D] "
                    + "(new caption, then optionally the current one); got \(image.count)x\(image[0].count) and "
                    + "\(text.count)x\(text[0].count)")
        }
        let current = text.count == 2 ? text[1] : [Float](repeating: 0, count: text[0].count)
        let direction = EmbeddingMath.normalized(zip(text[0], current).map { $0 - $1 })
        let zi = image[0]
        let length = EmbeddingMath.norm(zi)
        let target = direction.map { $0 * length }
        var out = Frame(metadata: frame.metadata)
        let embedShape = Array(frame["image.embed"]?.shape.dropFirst() ?? [])
        out["image.embed"] = try tensor(angles.map { EmbeddingMath.slerp(zi, target, t: $0) }, rowShape: embedShape)
        for name in ["latent", "noise"] where frame[name] != nil {
            let r = try rows(frame, name, frameIndex: frameIndex)
            let shape = Array(frame[name]?.shape.dropFirst() ?? [])
            out[name] = try tensor(Array(repeating: r[0], count: angles.count), rowShape: shape)
        }
        let prompts = try frame.metadataList("prompt", frame: frameIndex) ?? []
        let caption = prompts.first ?? "text"
        out.setMetadataList(angles.map { "text-diff(\(caption), θ=\(format($0)))" }, for: "prompt")
        return out
    }

    /// One term of an embedding sum: `weight × normalized(row of tensor)`.
    struct Term: Equatable {
        var weight: Float
        var tensor: String
        var row: Int

        /// Parses `[+|-][W*]NAME[:ROW]`, e.g. `image.embed`, `-text.embed:1`, `+0.5*text.embed:2`.
        init(parsing text: String) throws(UsageError) {
            var s = Substring(text)
            var sign: Float = 1
            if s.first == "+" || s.first == "-" {
                sign = s.first == "-" ? -1 : 1
                s = s.dropFirst()
            }
            weight = sign
            if let star = s.firstIndex(of: "*") {
                guard let w = Float(s[..<star]), w.isFinite else { throw UsageError("term '\(text)': bad weight") }
                weight = sign * w
                s = s[s.index(after: star)...]
            }
            row = 0
            if let colon = s.lastIndex(of: ":") {
                guard let r = Int(s[s.index(after: colon)...]), r >= 0 else {
                    throw UsageError("term '\(text)': bad row")
                }
                row = r
                s = s[..<colon]
            }
            guard !s.isEmpty else { throw UsageError("term '\(text)': no tensor name") }
            tensor = String(s)
        }
    }

    /// Parses an expression of terms joined by `+` and `-`, e.g. `image.embed + text.embed:0 - 0.5*text.embed:1`
    /// (a sign may also lead its term: `-text.embed:1`).
    static func terms(parsing expression: String) throws(UsageError) -> [Term] {
        var terms: [Term] = []
        var pendingSign: Float = 1
        var expectingTerm = true
        for token in expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) {
            if token == "+" || token == "-" {
                guard expectingTerm || !terms.isEmpty else {
                    throw UsageError("expression '\(expression)': misplaced '\(token)'")
                }
                if token == "-" { pendingSign = -pendingSign }
                expectingTerm = true
                continue
            }
            guard expectingTerm else {
                throw UsageError("expression '\(expression)': missing '+' or '-' before '\(token)'")
            }
            var term = try Term(parsing: token)
            term.weight *= pendingSign
            terms.append(term)
            pendingSign = 1
            expectingTerm = false
        }
        guard !terms.isEmpty, !expectingTerm else { throw UsageError("expression '\(expression)' is incomplete") }
        return terms
    }

    /// Embedding arithmetic: Σ wᵢ · normalized(termᵢ), normalised and scaled to the mean length of the terms, as
    /// one `image.embed` [1, D] (CLIP space is compared by angle, so each term counts by direction only).
    static func sum(_ frame: Frame, terms: [Term], frameIndex: Int) throws -> Frame {
        var total: [Float]?
        var lengths: Float = 0
        for term in terms {
            let r = try rows(frame, term.tensor, frameIndex: frameIndex)
            guard term.row < r.count else {
                throw StageError(
                    "frame \(frameIndex): '\(term.tensor)' has \(r.count) rows; there is no row \(term.row)")
            }
            let v = r[term.row]
            if let t = total, t.count != v.count {
                throw StageError(
                    "frame \(frameIndex): '\(term.tensor)' rows have \(v.count) values, other terms \(t.count)")
            }
            lengths += EmbeddingMath.norm(v)
            let n = EmbeddingMath.normalized(v)
            total = zip(total ?? [Float](repeating: 0, count: v.count), n).map { $0 + term.weight * $1 }
        }
        let result = total ?? []
        let scale = lengths / Float(max(terms.count, 1))
        var out = Frame(metadata: frame.metadata)
        out["image.embed"] = try TensorBlob.float32(
            shape: [1, result.count], EmbeddingMath.normalized(result).map { $0 * scale })
        out.setMetadataList(
            [
                terms.map { "\($0.weight >= 0 ? "+" : "-")\(format(abs($0.weight)))*\($0.tensor):\($0.row)" }.joined(
                    separator: " ")
            ],
            for: "prompt")
        return out
    }

    static func format(_ x: Float) -> String {
        let r = (x * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
