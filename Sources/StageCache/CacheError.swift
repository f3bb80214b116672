/// What can go wrong in the cache itself (the cached stage's own failures pass through untouched).
public enum CacheError: Error, CustomStringConvertible, Sendable {
    /// A file-system call failed: the operation, the path and `strerror`.
    case io(operation: String, path: String, reason: String)
    /// The stage to run is not an executable file, nor found on PATH.
    case noExecutable(String)
    /// The stage could not be started.
    case spawnFailed(stage: String, reason: String)
    /// The reader of our stdout went away; the program ends quietly.
    case brokenPipe

    public var description: String {
        switch self {
        case .io(let operation, let path, let reason): return "cannot \(operation) '\(path)': \(reason)"
        case .noExecutable(let name): return "no executable '\(name)' (not a path to one, nor found on PATH)"
        case .spawnFailed(let stage, let reason): return "cannot start '\(stage)': \(reason)"
        case .brokenPipe: return "broken pipe"
        }
    }
}
