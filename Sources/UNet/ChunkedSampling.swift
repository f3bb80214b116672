import NN

/// Runs a sampler over a batch in chunks of at most `limit` items (to bound memory), then joins the results.
/// Chunk k (0-based) draws from seed `seed + k`, so items in different chunks get different noise; a run is
/// replayed with the same limit (and its recorded x_T). Without a limit the whole batch is one chunk with `seed`.
public enum ChunkedSampling {
    /// - Parameters:
    ///   - batch: B.
    ///   - limit: the largest chunk, or nil for one chunk.
    ///   - body: samples items `range` with the chunk's seed.
    public static func run(
        batch: Int, limit: Int?, seed: UInt64, _ body: (_ range: Range<Int>, _ seed: UInt64) throws -> Decoder.Output
    ) throws -> Decoder.Output {
        guard batch > 0 else {
            throw UNetError.invalidInput(name: "batch", shape: [batch], expected: "at least one item")
        }
        let size = Swift.max(1, Swift.min(limit ?? batch, batch))
        var images: [Tensor] = [], noises: [Tensor] = []
        var start = 0, chunk: UInt64 = 0
        while start < batch {
            let range = start..<Swift.min(start + size, batch)
            let out = try body(range, seed &+ chunk)
            images.append(out.image)
            noises.append(out.noise)
            start = range.upperBound
            chunk += 1
        }
        if images.count == 1 { return Decoder.Output(image: images[0], noise: noises[0]) }
        return Decoder.Output(
            image: try Tensor.concatenate(images, axis: 0), noise: try Tensor.concatenate(noises, axis: 0))
    }
}
