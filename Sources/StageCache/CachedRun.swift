import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One `unclip-cache -- STAGE ARGS...`: replays the stored output of the same stage, arguments, model files and
/// input when there is one, else runs the stage and stores its output if it succeeds.
///
/// The stage's stderr is ours; its stdout goes to a file in the entry being built and is copied to our stdout
/// only once the stage has succeeded, so a failing stage adds nothing to the pipe and stores nothing.
public struct CachedRun {
    public var store: CacheStore
    /// The stage as named on the command line, and its arguments.
    public var stage: String
    public var arguments: [String]
    /// PATH, to find the stage.
    public var searchPath: String?
    /// Informational lines (a hit, a store); the caller decides whether `--quiet` silences them.
    public var note: (String) -> Void

    public init(
        store: CacheStore, stage: String, arguments: [String], searchPath: String?,
        note: @escaping (String) -> Void = { _ in }
    ) {
        self.store = store
        self.stage = stage
        self.arguments = arguments
        self.searchPath = searchPath
        self.note = note
    }

    /// What happened, for the caller's exit status.
    public enum Outcome: Equatable, Sendable {
        /// The output was replayed from the entry `key`.
        case replayed(CacheKey)
        /// The stage ran, succeeded, and its output was stored under `key`.
        case stored(CacheKey)
        /// The stage failed with this exit status (128 + N when killed by signal N); nothing was stored.
        case failed(Int32)
    }

    /// Runs with the stage's input on `input` and the output to `output` (stdin and stdout).
    public func run(input: Int32 = 0, output: Int32 = 1) throws -> Outcome {
        let executable = try ChildProcess.resolve(stage, path: searchPath)
        let spool = try InputSpool.capture(from: input, spoolFolder: store.temporaryFolder)
        defer { spool.release() }
        let key = try CacheKey.make(
            stage: stage, executable: executable, arguments: arguments, inputDigest: spool.digest,
            digests: store.digests)
        if let entry = store.lookup(key) {
            POSIXFiles.touch(entry.folder + "/info.json")
            note("replaying \(stage) from the cache (entry \(key.hex.prefix(16)), \(entry.size) bytes)")
            try POSIXFiles.copy(file: entry.outputPath, to: output, outputName: "stdout")
            return .replayed(key)
        }

        let folder = try store.makeTemporaryFolder()
        let outputPath = folder + "/output", infoPath = folder + "/info.json"
        InterruptCleanup.arm(files: [outputPath, infoPath], folder: folder)
        var installed = false
        defer {
            InterruptCleanup.disarm()
            if !installed { POSIXFiles.removeTree(folder) }
        }
        let stageOutput = try POSIXFiles.openFile(
            outputPath, O_RDWR | O_CREAT | O_EXCL, operation: "create")
        defer { close(stageOutput) }
        let pid = try ChildProcess.spawn(
            name: stage, executable: executable, arguments: arguments, input: spool.descriptor, output: stageOutput)
        InterruptCleanup.watch(pid)
        let status = ChildProcess.wait(pid)
        InterruptCleanup.watch(0)
        guard status == 0 else { return .failed(status) }

        try POSIXFiles.sync(stageOutput, path: outputPath)
        var s = stat()
        guard fstat(stageOutput, &s) == 0 else {
            throw CacheError.io(operation: "examine", path: outputPath, reason: POSIXFiles.reason())
        }
        let entry = CacheEntry(
            key: key, stage: stage, arguments: arguments, created: Date(), lastUsed: Date(), size: Int64(s.st_size),
            folder: folder)
        try POSIXFiles.writeFile(infoPath, try entry.infoJSON())
        // Sent from our own descriptor: the stored file may already be gone again (a concurrent `clear`), and when
        // another writer stored the same key first, ours is the same run's output.
        installed = try store.commit(temporary: folder, key: key)
        InterruptCleanup.disarm()
        guard lseek(stageOutput, 0, SEEK_SET) == 0 else {
            throw CacheError.io(operation: "rewind", path: outputPath, reason: POSIXFiles.reason())
        }
        try POSIXFiles.copy(from: stageOutput, name: outputPath, to: output, outputName: "stdout")
        return .stored(key)
    }
}
