import Foundation
import TensorStream
import Testing

@testable import TensorCore

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("tensorcore-\(getpid())-\(name)").path
}

@Suite struct WeightFileTests {
    @Test func roundTripsAndConverts() throws {
        let a = try tensor([3, 5], seed: 1, scale: 100), b = try Tensor(shape: [], scalars: [-0.0])
        let path = temporaryPath("weights.safetensors")
        defer { unlink(path) }
        try WeightFile(tensors: [("layer.weight", a), ("scalar", b)], metadata: ["note": "x"]).write(to: path)
        let back = try WeightFile(contentsOf: path)
        #expect(back.tensors.map(\.name) == ["layer.weight", "scalar"])
        #expect(try back.tensor("layer.weight").scalars == a.scalars && back.metadata["note"] == "x")
        #expect(throws: TensorError.self) { try back.tensor("missing") }
        for dtype in [DType.bf16, .f16] {
            let t = try Tensor(try a.blob(dtype: dtype))
            #expect(t.shape == a.shape)
            #expect(
                maxRelativeError(t.scalars.map { $0 / 100 }, a.scalars.map { $0 / 100 })
                    < (dtype == .bf16 ? 4e-3 : 1e-3))
        }
        // bf16 rounds to nearest even: 1 + 2^-8 is a tie and rounds down to 1; 1 + 3·2^-8 rounds up.
        let ties = try Tensor(shape: [2], scalars: [1 + 0x1p-8, 1 + 3 * 0x1p-8])
        #expect(try Tensor(ties.blob(dtype: .bf16)).scalars == [1, 1 + 4 * 0x1p-8])
        let ints = try Tensor(TensorBlob.int64(shape: [3], [-2, 0, 7]))
        #expect(ints.scalars == [-2, 0, 7])
        #expect(throws: TensorError.self) { try a.blob(dtype: .i32) }
    }

    @Test func resumeFromCheckpointFileMatchesStraightRun() throws {
        let f = try MLPFixture.load()
        let c = f.config
        let x = try Tensor(shape: [c.N, c.D], scalars: f.x)
        let schedule = WarmupCosineSchedule(
            peak: c.peak, minimum: c.minimum, warmupSteps: c.warmup, totalSteps: c.total)
        let names = ["l1.weight", "l1.bias", "l2.weight", "l2.bias"]
        func fresh() throws -> [Variable] {
            try zip(f.shapes, f.`init`).map { Variable(try Tensor(shape: $0.0, scalars: $0.1)) }
        }
        /// A step on inputs jittered by the random stream (so the RNG state matters too).
        func step(_ p: [Variable], _ opt: AdamW, _ rng: inout PhiloxRandom) throws {
            let noisy = try x + rng.normal(shape: x.shape).scaled(by: 0.05)
            _ = try mlpStep(p, opt, schedule, x: noisy, y: f.y, maxNorm: c.max_norm)
        }
        let straight = try fresh()
        let opt1 = AdamW(parameters: straight, learningRate: c.peak, weightDecay: c.weight_decay)
        var rng1 = PhiloxRandom(seed: 5)
        for _ in 0..<12 { try step(straight, opt1, &rng1) }

        let first = try fresh()
        let opt2 = AdamW(parameters: first, learningRate: c.peak, weightDecay: c.weight_decay)
        var rng2 = PhiloxRandom(seed: 5)
        for _ in 0..<6 { try step(first, opt2, &rng2) }
        let path = temporaryPath("checkpoint.safetensors")
        defer { unlink(path) }
        try TrainingCheckpoint.save(to: path, names: names, optimizer: opt2, random: rng2)

        let resumed = try fresh()
        let opt3 = AdamW(parameters: resumed, learningRate: c.peak, weightDecay: c.weight_decay)
        var rng3 = try TrainingCheckpoint.restore(from: path, names: names, optimizer: opt3)
        #expect(rng3 == rng2 && opt3.step == 6)
        for _ in 0..<6 { try step(resumed, opt3, &rng3) }
        for (a, b) in zip(straight, resumed) { #expect(a.value.scalars == b.value.scalars) }
        #expect(throws: (any Error).self) {
            _ = try TrainingCheckpoint.restore(from: path, names: ["a", "b", "c", "d"], optimizer: opt3)
        }
    }
}

@Suite struct UntouchedZerosTests {
    @Test(arguments: [0, 5, 1 << 18, 3 << 18]) func readsAsZeroAndIsWritable(count: Int) throws {
        var t = try Tensor(untouchedZeros: [count])
        #expect(t.scalars.allSatisfy { $0 == 0 })
        let copy = t
        t.withUnsafeMutableBufferPointer { if !$0.isEmpty { $0[$0.count - 1] = 3 } }
        if count > 0 {
            #expect(t.scalars.last == 3)
            #expect(copy.scalars.last == 0, "copy-on-write leaves the original alone")
        }
    }
}

@Suite struct BlockPoolTests {
    /// A large block freed by one tensor is handed to the next tensor of the same byte size, and still reads as
    /// zeros there; other sizes get other blocks.
    @Test func largeBlocksAreReusedAndStillZeroed() throws {
        let count = 3 * BlockPool.minimumBytes / 4 + 7  // floats: a size no other test allocates
        var first: UnsafeMutablePointer<Float>?
        do {
            var t = try Tensor(zeros: [count])
            t.withUnsafeMutableBufferPointer { $0.update(repeating: 5) }
            first = t.storage.pointer
        }
        let again = try Tensor(zeros: [count])
        #expect(again.storage.pointer == first, "the freed block is reused")
        #expect(again.scalars.allSatisfy { $0 == 0 })
        let other = try Tensor(zeros: [count + 1])
        #expect(other.storage.pointer != again.storage.pointer)
    }
}
