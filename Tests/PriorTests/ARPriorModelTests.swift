import Foundation
import NN
import Prior
import Testing

/// Shapes, causality, gradients and the model folder of the AR prior transformer.
@Suite struct ARPriorModelTests {
    func inputs(_ prior: ARPrior, data: ARPriorTrainingData, items: [Int], codes n: Int, dropped: [Bool]? = nil)
        throws -> ARPriorInputs
    {
        let batch = try data.rows(items), k = prior.configuration.components
        let all = try prior.codebook.encode(images: batch.imageEmbeddings)
        return try ARPriorInputs(
            tokens: batch.tokens, mask: batch.mask, textEmbedding: batch.textEmbeddings,
            dotTokens: prior.codebook.dotTokens(text: batch.textEmbeddings, images: batch.imageEmbeddings),
            codes: items.indices.flatMap { all[($0 * k)..<($0 * k + n)] }, dropped: dropped)
    }

    @Test func forwardShapes() throws {
        let (prior, data) = try ARFixtures.prior()
        let c = prior.configuration
        for n in [0, 1, c.components - 1] {
            let logits = try prior.transformer.logits(inputs(prior, data: data, items: [0, 1, 2], codes: n))
            #expect(logits.shape == [3, n + 1, c.codeBuckets])
            #expect(logits.scalars.allSatisfy { $0.isFinite })
        }
        #expect(throws: PriorError.self) {
            try prior.transformer.logits(inputs(prior, data: data, items: [0], codes: c.components))
        }
    }

    @Test func laterTokensDoNotChangeEarlierLogits() throws {
        let (prior, data) = try ARFixtures.prior()
        let c = prior.configuration, v = c.codeBuckets, n = c.components - 1
        let base = try inputs(prior, data: data, items: [0, 5], codes: n)
        let reference = try prior.transformer.logits(base).scalars
        var changed = base
        for item in 0..<2 { changed.codes[item * n + 3] = (changed.codes[item * n + 3] + 7) % v }  // code 3
        let after = try prior.transformer.logits(changed).scalars
        for item in 0..<2 {
            for row in 0...(n) {
                let slice = ((item * (n + 1) + row) * v)..<((item * (n + 1) + row + 1) * v)
                let same = zip(reference[slice], after[slice]).allSatisfy { $0 == $1 }
                // Rows 0...3 predict codes 0...3 from inputs before code 3: unchanged. Row 4 reads code 3.
                if row <= 3 { #expect(same) } else if row == 4 { #expect(!same) }
            }
        }
        // Caption padding is invisible: changing a padded token id changes nothing.
        var padded = base
        let t = c.textLength
        if let j = (0..<t).last(where: { !base.mask[$0] }) {
            padded.tokens[j] = 7
            #expect(try prior.transformer.logits(padded).scalars == reference)
        }
        // A dropped item ignores its caption and text embedding entirely.
        var dropped = base
        dropped.dropped = [true, false]
        let d1 = try prior.transformer.logits(dropped).scalars
        dropped.tokens[1] = 9
        dropped.textEmbedding = try Tensor(
            shape: base.textEmbedding.shape,
            scalars: base.textEmbedding.scalars.enumerated().map { $0.offset < c.embeddingDim ? 0 : $0.element })
        #expect(try prior.transformer.logits(dropped).scalars == d1)
    }

    @Test func gradientsReachEveryParameter() throws {
        let (prior, data) = try ARFixtures.prior()
        let n = prior.configuration.components - 1
        let x = try inputs(prior, data: data, items: [0, 1, 2, 3], codes: n, dropped: [false, true, false, false])
        let tape = Tape()
        let logits = try prior.transformer.forward(x, tape: tape)  // [B, K, V]
        let loss = tape.mean(try tape.multiply(logits, logits))
        try tape.backward(loss)
        for (key, p) in prior.transformer.parameters() {
            let g = p.grad?.scalars ?? []
            #expect(g.contains { $0 != 0 }, "no gradient reaches \(key)")
        }
    }

    @Test func modelFolderRoundTrip() throws {
        let (prior, data) = try ARFixtures.prior()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ar-model-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try prior.save(to: dir)
        let loaded = try ARPrior(directory: dir)
        #expect(loaded.configuration == prior.configuration)
        let x = try inputs(prior, data: data, items: [1, 2], codes: 2)
        #expect(try loaded.transformer.logits(x).scalars == prior.transformer.logits(x).scalars)
        // A wrong config is an error naming the key, not a crash.
        var json = prior.configuration.json
        json["heads"] = 5
        #expect(throws: PriorError.self) { try ARPriorConfiguration(json: json) }
        json["heads"] = "four"
        #expect(throws: PriorError.self) { try ARPriorConfiguration(json: json) }
        #expect(throws: PriorError.self) { try ARPrior(directory: dir + "/missing") }
    }
}

/// The key/value cache gives the logits of the full forward pass.
@Suite struct ARPriorCacheTests {
    @Test func cachedLogitsMatchTheFullForward() throws {
        let (prior, data) = try ARFixtures.prior()
        let c = prior.configuration, v = c.codeBuckets, n = c.components - 1
        let batch = try data.rows([0, 3, 5])
        let all = try prior.codebook.encode(images: batch.imageEmbeddings)
        let codes = (0..<3).flatMap { all[($0 * c.components)..<($0 * c.components + n)] }
        let full = try prior.transformer.logits(
            ARPriorInputs(
                tokens: batch.tokens, mask: batch.mask, textEmbedding: batch.textEmbeddings, dotTokens: [1, 5, 9],
                codes: codes, dropped: [false, true, false])
        ).scalars  // [3, K, V]
        var (cache, next) = try prior.transformer.start(
            ARPriorInputs(
                tokens: batch.tokens, mask: batch.mask, textEmbedding: batch.textEmbeddings, dotTokens: [1, 5, 9],
                dropped: [false, true, false]))
        var worst: Float = 0
        for step in 0...n {
            let got = next.scalars
            for item in 0..<3 {
                for j in 0..<v {
                    worst = max(worst, abs(got[item * v + j] - full[(item * (n + 1) + step) * v + j]))
                }
            }
            if step < n { next = try cache.next(codes: (0..<3).map { codes[$0 * n + step] }) }
        }
        #expect(worst < 1e-4)
        #expect(cache.length == c.contextLength)
        #expect(throws: PriorError.self) { try cache.next(codes: [0, 0, 0]) }
    }
}
