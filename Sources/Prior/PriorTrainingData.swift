import TensorCore
import TensorStream

/// Training pairs for the diffusion prior: N captions' CLIP text conditioning (pooled embedding, hidden states,
/// mask) and the CLIP image embeddings of the paired images, held as flat arrays for fast batch gathering.
public struct PriorTrainingData {
    /// `text.embed` rows, [N, Dp].
    public let textEmbeddings: [Float]
    /// `text.hidden` rows, [N, T, W].
    public let hiddenStates: [Float]
    /// `text.mask` rows as 0/1, [N, T].
    public let masks: [Float]
    /// `image.embed` rows, [N, D].
    public let imageEmbeddings: [Float]
    /// N, Dp, T, W, D.
    public let count: Int, textWidth: Int, textLength: Int, hiddenWidth: Int, imageWidth: Int

    /// Pairs from tensor-stream frames carrying `text.embed` [B, Dp], `text.hidden` [B, T, W], `text.mask` [B, T]
    /// and `image.embed` [B, D] (as `unclip-text` then `unclip-image` write them), concatenated in order. Throws
    /// naming the frame and tensor that is missing or mis-shaped.
    public init(frames: [Frame]) throws {
        var text: [Float] = [], hidden: [Float] = [], mask: [Float] = [], image: [Float] = []
        var sizes: (dp: Int, t: Int, w: Int, d: Int)?
        var rows = 0
        for (index, frame) in frames.enumerated() {
            func tensor(_ name: String) throws -> Tensor {
                guard let blob = frame[name] else {
                    throw PriorError.badInput(name: "\(name) (frame \(index))", shape: [], expected: "present")
                }
                return try Tensor(blob)
            }
            let e = try tensor("text.embed"), h = try tensor("text.hidden"), m = try tensor("text.mask")
            let i = try tensor("image.embed")
            guard e.rank == 2, e.shape[0] >= 1 else {
                throw PriorError.badInput(name: "text.embed (frame \(index))", shape: e.shape, expected: "[B, Dp]")
            }
            let b = e.shape[0]
            let found = (
                dp: e.shape[1], t: h.shape.count == 3 ? h.shape[1] : 0, w: h.shape.last ?? 0, d: i.shape.last ?? 0
            )
            let want = sizes ?? found
            guard h.shape == [b, want.t, want.w], want.t >= 1 else {
                throw PriorError.badInput(
                    name: "text.hidden (frame \(index))", shape: h.shape, expected: "[\(b), \(want.t), \(want.w)]")
            }
            guard m.shape == [b, want.t] else {
                throw PriorError.badInput(
                    name: "text.mask (frame \(index))", shape: m.shape, expected: "[\(b), \(want.t)]")
            }
            guard e.shape[1] == want.dp else {
                throw PriorError.badInput(
                    name: "text.embed (frame \(index))", shape: e.shape, expected: "[\(b), \(want.dp)]")
            }
            guard i.shape == [b, want.d] else {
                throw PriorError.badInput(
                    name: "image.embed (frame \(index))", shape: i.shape, expected: "[\(b), \(want.d)]")
            }
            sizes = want
            text += e.scalars
            hidden += h.scalars
            mask += m.scalars.map { $0 != 0 ? 1 : 0 }
            image += i.scalars
            rows += b
        }
        guard let sizes, rows >= 1 else {
            throw PriorError.badInput(name: "frames", shape: [frames.count], expected: "at least one item")
        }
        textEmbeddings = text
        hiddenStates = hidden
        masks = mask
        imageEmbeddings = image
        count = rows
        (textWidth, textLength, hiddenWidth, imageWidth) = (sizes.dp, sizes.t, sizes.w, sizes.d)
    }

    /// The text conditioning of the items at `indices`, with item k replaced by `substitute`'s (batch 1) where
    /// `replaced[k]` (classifier-free guidance dropout). conditioning: [B, Dp], [B, T, W], [B, T].
    public func conditioning(_ indices: [Int], replaced: [Bool]? = nil, substitute: PriorConditioning? = nil) throws
        -> PriorConditioning
    {
        let (dp, t, w) = (textWidth, textLength, hiddenWidth)
        var e = [Float](), h = [Float](), m = [Float]()
        e.reserveCapacity(indices.count * dp)
        h.reserveCapacity(indices.count * t * w)
        m.reserveCapacity(indices.count * t)
        let null = try substitute.map { s -> (e: [Float], h: [Float], m: [Float]) in
            guard let sh = s.hiddenStates, let sm = s.mask, s.batchSize == 1, sh.shape == [1, t, w],
                s.textEmbedding.shape == [1, dp]
            else {
                throw PriorError.badInput(
                    name: "unconditional", shape: s.hiddenStates?.shape ?? [], expected: "[1, \(t), \(w)] with a mask")
            }
            return (s.textEmbedding.scalars, sh.scalars, sm.scalars.map { $0 != 0 ? 1 : 0 })
        }
        for (k, i) in indices.enumerated() {
            if let null, replaced?[k] == true {
                e += null.e
                h += null.h
                m += null.m
            } else {
                e += textEmbeddings[(i * dp)..<((i + 1) * dp)]
                h += hiddenStates[(i * t * w)..<((i + 1) * t * w)]
                m += masks[(i * t)..<((i + 1) * t)]
            }
        }
        let b = indices.count
        return try PriorConditioning(
            textEmbedding: Tensor(shape: [b, dp], scalars: e), hiddenStates: Tensor(shape: [b, t, w], scalars: h),
            mask: Tensor(shape: [b, t], scalars: m))
    }

    /// The image embeddings of the items at `indices`: [B, D].
    public func images(_ indices: [Int]) throws -> Tensor {
        let d = imageWidth
        var out = [Float]()
        out.reserveCapacity(indices.count * d)
        for i in indices { out += imageEmbeddings[(i * d)..<((i + 1) * d)] }
        return try Tensor(shape: [indices.count, d], scalars: out)
    }

    /// Per-dimension mean and standard deviation of the image embeddings (Karlo's `clip_mean`, `clip_std`),
    /// accumulated in Float64; a dimension with no spread gets std 1.
    public func imageStatistics() -> (mean: [Float], std: [Float]) {
        let d = imageWidth
        var sum = [Double](repeating: 0, count: d), squares = [Double](repeating: 0, count: d)
        for r in 0..<count {
            for j in 0..<d {
                let x = Double(imageEmbeddings[r * d + j])
                sum[j] += x
                squares[j] += x * x
            }
        }
        let n = Double(count)
        let mean = sum.map { $0 / n }
        let std = (0..<d).map { j -> Double in
            let variance = max(0, squares[j] / n - mean[j] * mean[j])
            return variance > 1e-12 ? variance.squareRoot() : 1
        }
        return (mean.map(Float.init), std.map(Float.init))
    }
}
