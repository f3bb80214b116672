import Foundation
import NN
import Prior
import Testing

/// Training the AR prior: a synthetic problem it must learn, and bit-exact resume.
@Suite(.serialized) struct ARPriorTrainingTests {
    /// Image embeddings are a fixed linear function of the text embeddings plus noise (see `ARFixtures.data`); after
    /// a short run the sampled embeddings must be closer to the true held-out ones than the text embeddings are.
    @Test func beatsTheTextEmbeddingBaselineOnASyntheticProblem() throws {
        let all = try ARFixtures.data(count: 1100, seed: 11)
        let (training, heldOut) = try all.splitting(heldOut: 100)
        var options = ARPriorTrainingOptions()
        // AR_STEPS=1500 in the environment runs longer.
        options.steps = Int(ProcessInfo.processInfo.environment["AR_STEPS"] ?? "800") ?? 800
        options.batchSize = 32
        options.learningRate = 3e-3
        options.minimumLearningRate = 3e-4
        options.warmupSteps = 20
        options.seed = 1
        let trainer = try ARPriorTrainer(
            configuration: ARFixtures.configuration(), data: training, options: options)
        var first: Float = 0, losses: [Float] = []
        try trainer.train { step, loss in
            if step == 1 { first = loss }
            losses.append(loss)
        }
        let last = losses.suffix(20).reduce(0, +) / 20
        var sampler = ARPriorSampler(prior: trainer.prior)
        sampler.guidanceScale = 1
        sampler.temperature = 0.7
        sampler.topP = 0.9
        let result = try ARPriorEvaluation(prior: trainer.prior, heldOut: heldOut, sampler: sampler, seed: 5)
        sampler.guidanceScale = 2
        let guided = try ARPriorEvaluation(prior: trainer.prior, heldOut: heldOut, sampler: sampler, seed: 5)
        print(
            "AR prior synthetic: K=\(trainer.prior.configuration.components) loss \(first) → \(last), held-out loss "
                + "\(result.loss); cosine sampled \(result.sampledCosine) (guided ×2: \(guided.sampledCosine)), "
                + "baseline \(result.baselineCosine), codebook ceiling \(result.reconstructionCosine)")
        #expect(last < first - 0.5)
        #expect(result.sampledCosine > result.baselineCosine + 0.1)
        #expect(guided.sampledCosine > result.baselineCosine)
    }

    @Test func resumeIsBitExact() throws {
        let data = try ARFixtures.data(count: 80)
        var options = ARPriorTrainingOptions()
        options.steps = 7
        options.batchSize = 4
        options.warmupSteps = 2
        options.emaDecay = 0.9
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ar-resume-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let straight = try ARPriorTrainer(configuration: ARFixtures.configuration(), data: data, options: options)
        try straight.train(until: 4, checkpointDirectory: dir)
        try straight.train()
        let resumed = try ARPriorTrainer(resumingFrom: dir, data: data, options: options)
        #expect(resumed.step == 4)
        try resumed.train()
        #expect(resumed.step == 7)
        for ((key, a), (_, b)) in zip(straight.prior.transformer.parameters(), resumed.prior.transformer.parameters()) {
            #expect(a.value.scalars == b.value.scalars, "\(key) differs after resume")
        }
        #expect(straight.ema?.shadow.map(\.scalars) == resumed.ema?.shadow.map(\.scalars))
        // The checkpoint folder is a model folder too, holding the averaged weights.
        let loaded = try ARPrior(directory: dir)
        #expect(loaded.configuration == straight.prior.configuration)
        try resumed.saveCheckpoint(to: dir)
        let averaged = try ARPrior(directory: dir)
        #expect(averaged.transformer.parameters().map(\.value.value.scalars) == resumed.ema?.shadow.map(\.scalars))
    }

    /// Smoothed targets: each row a normalised Gaussian of `targetSmoothing` buckets around its code, cut at 4σ
    /// and at the ends of the range; with smoothing the loss still trains (finite, and falling).
    @Test func smoothedTargetsAreGaussiansAroundTheCode() throws {
        var options = ARPriorTrainingOptions()
        options.steps = 30
        options.batchSize = 16
        options.warmupSteps = 5
        options.learningRate = 3e-3
        options.targetSmoothing = 2
        let trainer = try ARPriorTrainer(
            configuration: ARFixtures.configuration(), data: try ARFixtures.data(count: 200), options: options)
        let q = try trainer.smoothedTargets([10, 0, 31]).scalars  // 32 buckets
        for row in 0..<3 { #expect(abs(q[(row * 32)..<(row * 32 + 32)].reduce(0, +) - 1) < 1e-5) }
        #expect(q[10] == q[0..<32].max() && abs(q[9] - q[11]) < 1e-7 && q[9] < q[10])
        #expect(abs(q[9] / q[10] - Float(exp(-1.0 / 8))) < 1e-5, "σ = 2 buckets")
        #expect(q[10 - 9] == 0 && q[10 + 9] == 0, "cut at 4σ = 8 buckets")
        #expect(q[32] == q[32..<64].max() && q[64 + 31] == q[64..<96].max(), "ends: one-sided")
        var losses: [Float] = []
        try trainer.train { _, loss in losses.append(loss) }
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(losses.suffix(5).reduce(0, +) < losses.prefix(5).reduce(0, +))
    }
}
