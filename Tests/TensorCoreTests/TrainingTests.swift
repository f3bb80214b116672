import Foundation
import Testing

@testable import TensorCore

struct MLPFixture: Decodable {
    struct Config: Decodable {
        let N, D, H, C, steps, warmup, total: Int
        let peak, minimum, weight_decay, max_norm: Float
    }
    let x: [Float], y: [Int], shapes: [[Int]], `init`: [[Float]], final: [[Float]], losses: [Float], norms: [Float]
    let config: Config

    static func load() throws -> MLPFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/mlp_adamw.json")
        return try JSONDecoder().decode(MLPFixture.self, from: Data(contentsOf: url))
    }
}

/// One training step of the fixture's MLP: cross-entropy(l2(gelu(l1(x)))), clip, AdamW at the scheduled rate.
func mlpStep(_ params: [Variable], _ opt: AdamW, _ schedule: WarmupCosineSchedule, x: Tensor, y: [Int], maxNorm: Float)
    throws -> (loss: Float, norm: Float)
{
    opt.learningRate = schedule.learningRate(at: opt.step)
    opt.zeroGrad()
    let tape = Tape()
    let h = tape.activation(
        try tape.linear(tape.leaf(x, requiresGrad: false), weight: params[0], bias: params[1]), .gelu)
    let loss = try tape.crossEntropy(try tape.linear(h, weight: params[2], bias: params[3]), targets: y)
    try tape.backward(loss)
    let norm = GradientClipping.clipByGlobalNorm(params, maxNorm: maxNorm)
    opt.update()
    return (loss.value[flat: 0], norm)
}

@Suite struct TrainingTests {
    @Test func mlpMatchesPyTorchAdamW() throws {
        let f = try MLPFixture.load()
        let c = f.config
        let params = try zip(f.shapes, f.`init`).map { Variable(try Tensor(shape: $0.0, scalars: $0.1)) }
        let opt = AdamW(parameters: params, learningRate: c.peak, weightDecay: c.weight_decay)
        let schedule = WarmupCosineSchedule(
            peak: c.peak, minimum: c.minimum, warmupSteps: c.warmup, totalSteps: c.total)
        let x = try Tensor(shape: [c.N, c.D], scalars: f.x)
        for step in 0..<c.steps {
            let (loss, norm) = try mlpStep(params, opt, schedule, x: x, y: f.y, maxNorm: c.max_norm)
            #expect(abs(loss - f.losses[step]) <= 1e-4 * abs(f.losses[step]), "loss at step \(step)")
            #expect(abs(norm - f.norms[step]) <= 1e-4 * abs(f.norms[step]), "grad norm at step \(step)")
        }
        for (i, p) in params.enumerated() {
            let e = zip(p.value.scalars, f.final[i]).map { abs($0 - $1) / (1e-3 + abs($1)) }.max() ?? 0
            #expect(e < 1e-3, "parameter \(i) max relative error \(e)")
        }
    }

    @Test func resumingGivesTheSameWeights() throws {
        let f = try MLPFixture.load()
        let c = f.config
        let x = try Tensor(shape: [c.N, c.D], scalars: f.x)
        let schedule = WarmupCosineSchedule(
            peak: c.peak, minimum: c.minimum, warmupSteps: c.warmup, totalSteps: c.total)
        func fresh() throws -> [Variable] {
            try zip(f.shapes, f.`init`).map { Variable(try Tensor(shape: $0.0, scalars: $0.1)) }
        }
        // 2N steps straight.
        let straight = try fresh()
        let opt1 = AdamW(parameters: straight, learningRate: c.peak, weightDecay: c.weight_decay)
        for _ in 0..<10 { _ = try mlpStep(straight, opt1, schedule, x: x, y: f.y, maxNorm: c.max_norm) }
        // N steps, snapshot (weights + optimizer state + step), new objects restored from it, N more steps.
        let first = try fresh()
        let opt2 = AdamW(parameters: first, learningRate: c.peak, weightDecay: c.weight_decay)
        for _ in 0..<5 { _ = try mlpStep(first, opt2, schedule, x: x, y: f.y, maxNorm: c.max_norm) }
        let resumed = try zip(f.shapes, first).map { Variable(try Tensor(shape: $0.0, scalars: $0.1.value.scalars)) }
        let opt3 = AdamW(parameters: resumed, learningRate: c.peak, weightDecay: c.weight_decay)
        try opt3.restore(
            step: opt2.step, firstMoments: opt2.firstMoments.map { try Tensor(shape: $0.shape, scalars: $0.scalars) },
            secondMoments: opt2.secondMoments.map { try Tensor(shape: $0.shape, scalars: $0.scalars) })
        for _ in 0..<5 { _ = try mlpStep(resumed, opt3, schedule, x: x, y: f.y, maxNorm: c.max_norm) }
        for (a, b) in zip(straight, resumed) { #expect(a.value.scalars == b.value.scalars) }
        #expect(throws: TensorError.self) { try opt3.restore(step: 1, firstMoments: [], secondMoments: []) }
    }

    @Test func scheduleClippingAndEMA() throws {
        let s = WarmupCosineSchedule(peak: 1, minimum: 0.1, warmupSteps: 4, totalSteps: 14)
        #expect(s.learningRate(at: 0) == 0.2 && s.learningRate(at: 3) == 0.8)
        #expect(s.learningRate(at: 4) == 1 && abs(s.learningRate(at: 9) - 0.55) < 1e-6 && s.learningRate(at: 14) == 0.1)

        let p = Variable(try Tensor(shape: [2], scalars: [3, 4]))
        let tape = Tape()
        try tape.backward(tape.sum(try tape.multiply(p, p)))  // grad = 2p = [6, 8], norm 10
        #expect(GradientClipping.clipByGlobalNorm([p], maxNorm: 5) == 10)
        #expect(abs(p.grad![flat: 0] - 3) < 1e-5 && abs(p.grad![flat: 1] - 4) < 1e-5)

        let ema = ExponentialMovingAverage(parameters: [p], decay: 0.5, warmup: false)
        try p.update(try Tensor(shape: [2], scalars: [5, 6]))
        try ema.update(from: [p])
        #expect(ema.shadow[0].scalars == [4, 5])
        let q = Variable(try Tensor(zeros: [2]))
        try ema.copy(to: [q])
        #expect(q.value.scalars == [4, 5])
        let warm = ExponentialMovingAverage(parameters: [p], decay: 0.999)
        #expect(abs(warm.currentDecay - 0.1) < 1e-7)
    }
}
