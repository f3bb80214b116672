import Foundation

/// What one optimizer step reports to `TrainingLoop`.
public struct StepReport {
    /// The step's training loss.
    public var loss: Double
    /// The learning rate the step used.
    public var learningRate: Double
    /// The global gradient norm before clipping, when the trainer measures it.
    public var gradientNorm: Double?
    /// Further per-step numbers (an unweighted MSE, a logit scale, …), averaged between log lines like the loss.
    public var measures: [(name: String, value: Double)]

    public init(
        loss: Double, learningRate: Double, gradientNorm: Double? = nil, measures: [(name: String, value: Double)] = []
    ) {
        self.loss = loss
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
        self.measures = measures
    }
}

/// The loop every `unclip-train` job runs: it steps until `total` or until `shouldStop()` says so (polled between
/// steps; a signal handler sets it), and
/// - every `logEvery` steps (and at `total`) prints one line and appends one row to `logFile` (`log.tsv`): the mean
///   loss and measures of the interval, the last learning rate and gradient norm, and seconds per step;
/// - checkpoints every `checkpointEvery` steps and once more on the way out, so that a stopped run resumes;
/// - evaluates every `evaluateEvery` steps (0: never mid-run) and after a run that reached `total`; the evaluation's
///   time is not counted in the seconds per step.
///
/// A non-finite loss stops the run with an error before anything is saved, so the last checkpoint stays good.
public struct TrainingLoop {
    public var total: Int
    public var logEvery: Int
    public var checkpointEvery: Int
    public var evaluateEvery: Int
    /// The tab-separated log the rows are appended to (nil: none).
    public var logFile: String?

    public init(total: Int, logFile: String?, logEvery: Int = 10, checkpointEvery: Int = 100, evaluateEvery: Int = 0) {
        self.total = total
        self.logFile = logFile
        self.logEvery = logEvery
        self.checkpointEvery = checkpointEvery
        self.evaluateEvery = evaluateEvery
    }

    /// Runs the loop. `step` reads the trainer's completed step count; `train` takes one step.
    public func run(
        step: () -> Int, train: () throws -> StepReport, checkpoint: () throws -> Void,
        evaluate: () throws -> Void = {}, shouldStop: () -> Bool, log: (String) -> Void
    ) throws {
        var interval = Interval()
        while step() < total && !shouldStop() {
            let report = try train()
            let current = step()
            guard report.loss.isFinite else {
                throw TensorError.invalidArgument(
                    op: "training", reason: "the loss became \(report.loss) at step \(current); stopping")
            }
            interval.add(report)
            if current % max(logEvery, 1) == 0 || current == total {
                let (line, row) = interval.summary(step: current, last: report)
                log(line)
                if let logFile { Self.append(row, to: logFile) }
                interval = Interval()
            }
            if checkpointEvery > 0 && current % checkpointEvery == 0 { try checkpoint() }
            if evaluateEvery > 0 && current % evaluateEvery == 0 && current < total {
                try evaluate()
                interval.started = Date()
            }
        }
        try checkpoint()
        if step() >= total { try evaluate() }
    }

    /// Appends `line` and a newline to the file at `path`, creating the file (and its folder) if needed.
    public static func append(_ line: String, to path: String) {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            try? fm.createDirectory(
                atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
            _ = fm.createFile(atPath: path, contents: nil)
        }
        guard let h = FileHandle(forWritingAtPath: path) else { return }
        h.seekToEndOfFile()
        h.write(Data((line + "\n").utf8))
        h.closeFile()
    }

    /// The reports since the last log line.
    struct Interval {
        var started = Date()
        var steps = 0
        var loss = 0.0
        var measures: [(name: String, value: Double)] = []

        mutating func add(_ report: StepReport) {
            steps += 1
            loss += report.loss
            if measures.isEmpty { measures = report.measures.map { ($0.name, 0) } }
            for (i, m) in report.measures.enumerated() where i < measures.count { measures[i].value += m.value }
        }

        /// The log line and the `log.tsv` row of the interval ending at `step`.
        func summary(step: Int, last: StepReport) -> (line: String, row: String) {
            let n = Double(max(steps, 1))
            let seconds = Date().timeIntervalSince(started) / n
            var line = "step \(step) loss " + String(format: "%.5g", loss / n)
            var row = "\(step)\tloss\t\(loss / n)"
            for m in measures {
                line += " \(m.name) " + String(format: "%.5g", m.value / n)
                row += "\t\(m.name)\t\(m.value / n)"
            }
            line += " lr " + String(format: "%.2e", last.learningRate)
            row += "\tlr\t\(last.learningRate)"
            if let g = last.gradientNorm {
                line += " gnorm " + String(format: "%.3f", g)
                row += "\tgnorm\t\(g)"
            }
            line += String(format: " %.2f s/step", seconds)
            row += "\tsec_per_step\t\(seconds)"
            return (line, row)
        }
    }
}
