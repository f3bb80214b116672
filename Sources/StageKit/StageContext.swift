import TensorStream

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a running stage needs besides its own model: its arguments, its input and output streams,
/// diagnostics, progress and provenance. Created by `Stage.run`.
public final class StageContext {
    /// The program name, e.g. `unclip-prior`.
    public let name: String
    /// The top-level arguments (common options live here).
    public let arguments: Arguments
    /// The arguments of the command that runs: the subcommand's if there is one, else the top level.
    public let command: Arguments

    init(name: String, arguments: Arguments, command: Arguments) {
        self.name = name
        self.arguments = arguments
        self.command = command
    }

    /// `--quiet` at any level.
    public var isQuiet: Bool { arguments.has("quiet") || command.has("quiet") }

    /// Prints an informational line on stderr unless `--quiet`.
    public func note(_ message: String) {
        if !isQuiet { Diagnostics.note(name, message) }
    }

    /// Value of a common option, looked up in the subcommand first.
    func commonValue(_ option: String) -> String? { command.string(option) ?? arguments.string(option) }

    /// The `--seed` option, if given.
    public func seedOption() throws(UsageError) -> UInt64? {
        if let seed = try command.uint64("seed") { return seed }
        return try arguments.uint64("seed")
    }

    /// Publishes `--threads` to the math libraries through `UNCLIP_THREADS`, which they read.
    func applyThreads() throws {
        guard let s = commonValue("threads") else { return }
        guard let n = Int(s), (1...1024).contains(n) else {
            throw UsageError("option --threads: '\(s)' is not a thread count in 1...1024")
        }
        setenv("UNCLIP_THREADS", String(n), 1)
    }

    // MARK: Streams

    /// Opens the input stream named by `operand` (a path, or `-`/nil for stdin).
    public func openInput(_ operand: String?) throws -> FrameReader {
        guard let path = operand, path != "-" else {
            return FrameReader(fileDescriptor: 0, sourceName: "stdin")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw StageError("cannot open '\(path)': \(String(cString: strerror(errno)))") }
        return FrameReader(fileDescriptor: fd, sourceName: path)
    }

    /// The stream writer on stdout; refuses a terminal, where binary frames would only garble the screen.
    public func openOutput() throws -> FrameWriter {
        if isTerminal(1) {
            throw UsageError(
                "refusing to write binary frames to a terminal; pipe stdout to another stage or redirect it to a file")
        }
        return FrameWriter(fileDescriptor: 1)
    }

    /// The frame loop of a filter stage: reads every frame of the input (the single operand, or stdin),
    /// lets `transform` add or replace the tensors the stage owns, stamps provenance and writes the frame.
    /// Everything `transform` does not touch passes through unchanged.
    public func filterFrames(
        input operand: String?, model: ModelStamp? = nil, _ transform: (inout Frame, Int) throws -> Void
    ) throws {
        var reader = try openInput(operand)
        let writer = try openOutput()
        var index = 0
        while var frame = try reader.next() {
            try transform(&frame, index)
            stamp(&frame, model: model)
            try writer.write(frame)
            index += 1
        }
    }

    // MARK: Provenance

    /// Records this stage in the frame: `producer` is replaced, a line is appended to `provenance`
    /// (`<stage> <version> [model=<name> sha256=<16 hex>] [seed=<n>]`), and `seed` is set when given.
    public func stamp(_ frame: inout Frame, model: ModelStamp? = nil, seed: UInt64? = nil) {
        var line = "\(name) \(UnCLIPVersion.string)"
        if let model { line += " model=\(model.name) sha256=\(model.digestPrefix)" }
        if let seed {
            line += " seed=\(seed)"
            frame.metadata["seed"] = String(seed)
        }
        frame.metadata["producer"] = "\(name) \(UnCLIPVersion.string)"
        if let old = frame.metadata["provenance"], !old.isEmpty {
            frame.metadata["provenance"] = old + "\n" + line
        } else {
            frame.metadata["provenance"] = line
        }
    }

    // MARK: Progress

    /// A progress reporter for `total` steps; silent unless stderr is a terminal or `--progress` was given,
    /// and always silent under `--quiet`.
    public func progress(_ label: String, total: Int) -> Progress {
        let wanted = !isQuiet && (isTerminal(2) || arguments.has("progress") || command.has("progress"))
        return Progress(stage: name, label: label, total: total, enabled: wanted, terminal: isTerminal(2))
    }
}

/// Identifies the model a stage ran, for provenance.
public struct ModelStamp: Sendable {
    public var name: String
    /// The first 16 hex digits of the SHA-256 of the model's weights.
    public var digestPrefix: String
    public init(name: String, digestPrefix: String) {
        self.name = name
        self.digestPrefix = digestPrefix
    }
}
