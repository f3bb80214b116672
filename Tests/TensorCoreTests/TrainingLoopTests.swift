import Foundation
import Testing

@testable import TensorCore

/// `TrainingLoop`'s cadence: log rows, checkpoints, evaluations, stopping, and a non-finite loss.
@Suite struct TrainingLoopTests {
    /// A fake trainer whose loss at step n is n (so interval means are easy to check).
    final class Fake {
        var step = 0
        var checkpoints: [Int] = []
        var evaluations: [Int] = []
        var poison: Int? = nil

        func train() -> StepReport {
            step += 1
            let loss = step == poison ? Double.nan : Double(step)
            return StepReport(loss: loss, learningRate: 0.5, gradientNorm: 2, measures: [("mse", 2 * Double(step))])
        }
    }

    @Test func logsCheckpointsAndEvaluatesOnItsIntervals() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let logFile = dir.appendingPathComponent("log.tsv").path
        var loop = TrainingLoop(total: 7, logFile: logFile)
        loop.logEvery = 3
        loop.checkpointEvery = 2
        loop.evaluateEvery = 4
        let fake = Fake()
        var lines: [String] = []
        try loop.run(
            step: { fake.step }, train: fake.train, checkpoint: { fake.checkpoints.append(fake.step) },
            evaluate: { fake.evaluations.append(fake.step) }, shouldStop: { false }, log: { lines.append($0) })
        #expect(fake.step == 7)
        #expect(fake.checkpoints == [2, 4, 6, 7], "every 2 steps and once on the way out")
        #expect(fake.evaluations == [4, 7], "every 4 steps and after the completed run")
        // Log lines at 3, 6 and the last step: interval means of loss n and mse 2n.
        #expect(lines.count == 3 && lines[0].hasPrefix("step 3 loss 2 mse 4 lr 5.00e-01 gnorm 2.000"))
        let rows = try String(contentsOfFile: logFile, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 3)
        #expect(rows[1].hasPrefix("6\tloss\t5.0\tmse\t10.0\tlr\t0.5\tgnorm\t2.0\tsec_per_step\t"))
        #expect(rows[2].hasPrefix("7\tloss\t7.0\tmse\t14.0\t"))
    }

    @Test func aStopRequestCheckpointsWithoutTheFinalEvaluation() throws {
        var loop = TrainingLoop(total: 100, logFile: nil)
        loop.checkpointEvery = 0
        let fake = Fake()
        try loop.run(
            step: { fake.step }, train: fake.train, checkpoint: { fake.checkpoints.append(fake.step) },
            evaluate: { fake.evaluations.append(fake.step) }, shouldStop: { fake.step >= 5 }, log: { _ in })
        #expect(fake.step == 5 && fake.checkpoints == [5] && fake.evaluations.isEmpty)
    }

    @Test func aNonFiniteLossStopsBeforeSaving() {
        var loop = TrainingLoop(total: 10, logFile: nil)
        loop.checkpointEvery = 1
        let fake = Fake()
        fake.poison = 3
        #expect(throws: TensorError.self) {
            try loop.run(
                step: { fake.step }, train: fake.train, checkpoint: { fake.checkpoints.append(fake.step) },
                shouldStop: { false }, log: { _ in })
        }
        #expect(fake.checkpoints == [1, 2], "the step-3 state is never saved")
    }
}
